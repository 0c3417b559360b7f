// Signed checkpoints: an Ed25519 signature over the number of events, the hash of the last
// one and the time, written on request (`audit checkpoint`) or automatically after a command
// when one is due (`audit auto-checkpoint`), and checked against the log by verify.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>

#include "common/json.h"
#include "store/audit.h"

namespace gridstat::store {
namespace {

namespace fs = std::filesystem;

// ---- checkpoints ----------------------------------------------------------------
// Version 2 signs its time together with the count and head hash. Version 1 files (no
// "version" member) signed only the count and head; they are still read, and said to be v1.
struct CheckpointDoc {
  int version = 2;
  int64_t events = 0;
  std::string head, at, signature;  // signature: base64
};

std::string SignedText(const CheckpointDoc& c) {
  if (c.version == 1) return "gridstat-checkpoint\n" + std::to_string(c.events) + "\n" + c.head + "\n";
  return "gridstat-checkpoint v2\n" + std::to_string(c.events) + "\n" + c.head + "\n" + c.at + "\n";
}

std::optional<CheckpointDoc> ParseCheckpoint(const std::string& text) {
  auto doc = ParseJsonDocument(text);
  if (!doc.ok() || doc->kind != Doc::Kind::kObject) return std::nullopt;
  CheckpointDoc c;
  const Doc* v = doc->Find("version");
  if (!v) c.version = 1;
  else if (v->kind == Doc::Kind::kNumber && v->text == "2") c.version = 2;
  else return std::nullopt;
  const Doc* ev = doc->Find("events");
  if (!ev || ev->kind != Doc::Kind::kNumber || !json::GetStr(*doc, "head") || !json::GetStr(*doc, "signature")) return std::nullopt;
  c.events = json::GetInt(*doc, "events");
  c.head = Str(*doc, "head");
  c.at = Str(*doc, "at");
  c.signature = Str(*doc, "signature");
  if (c.events <= 0 || c.head.size() != 64 || (c.version == 2 && c.at.empty())) return std::nullopt;
  return c;
}

Doc CheckpointToDoc(const CheckpointDoc& c) {
  return json::Obj({{"version", json::Int(c.version)}, {"events", json::Int(c.events)}, {"head", json::Str(c.head)},
                    {"at", json::Str(c.at)}, {"signature", json::Str(c.signature)}});
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// An Ed25519 key from PEM text, or null.
PKey ReadKey(const std::string& pem, bool private_key) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = nullptr;
  if (bio) k = private_key ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k && EVP_PKEY_id(k) != EVP_PKEY_ED25519) { EVP_PKEY_free(k); k = nullptr; }
  return PKey(k, EVP_PKEY_free);
}

std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (bio && PEM_write_bio_PUBKEY(bio, key) == 1) {
    char* p = nullptr;
    long n = BIO_get_mem_data(bio, &p);
    if (n > 0) out.assign(p, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

// The private key of a key file, or why it cannot be used.
Result<PKey> LoadPrivateKey(const std::string& file, Lang lang) {
  auto pem = ReadRegular(file, 1 << 20, true);
  if (!pem.ok())
    return StatusIn(lang, Status::Code::kIo, "key_unreadable", {{"file", file}, {"detail", pem.status().message()}});
  PKey key = ReadKey(*pem, true);
  if (!key) return StatusIn(lang, Status::Code::kInvalid, "key_invalid");
  return key;
}

Result<CheckpointDoc> SignCheckpoint(EVP_PKEY* key, int64_t events, const std::string& head, const std::string& at) {
  CheckpointDoc c;
  c.events = events;
  c.head = head;
  c.at = at;
  std::string msg = SignedText(c);
  unsigned char sig[64];
  size_t siglen = sizeof sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestSign(ctx, sig, &siglen, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Failure(Status::Code::kInternal, "sign_failed");
  unsigned char b64[128];
  int len = EVP_EncodeBlock(b64, sig, static_cast<int>(siglen));
  c.signature.assign(reinterpret_cast<char*>(b64), static_cast<size_t>(len));
  return c;
}

bool SignatureHolds(EVP_PKEY* key, const CheckpointDoc& c) {
  unsigned char sig[96];
  int len = c.signature.size() <= 128
                ? EVP_DecodeBlock(sig, reinterpret_cast<const unsigned char*>(c.signature.data()), static_cast<int>(c.signature.size()))
                : -1;
  std::string msg = SignedText(c);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && len >= 64 && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, sig, 64, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Automatic checkpoints are named by the events they cover, so that the newest sorts last.
std::string CheckpointName(int64_t events) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "checkpoint-%012lld.json", static_cast<long long>(events));
  return buf;
}

bool ParseCheckpointName(const std::string& name, int64_t* events) {
  const std::string pre = "checkpoint-", suf = ".json";
  if (name.size() <= pre.size() + suf.size() || name.compare(0, pre.size(), pre) != 0 ||
      name.compare(name.size() - suf.size(), suf.size(), suf) != 0)
    return false;
  std::string digits = name.substr(pre.size(), name.size() - pre.size() - suf.size());
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  *events = std::stoll(digits);
  return true;
}

// The checkpoints of a directory (files named checkpoint-N.json), ordered by N. Other names,
// such as a checkpoint still being written, are not checkpoints.
Result<std::vector<std::pair<int64_t, fs::path>>> ListCheckpoints(const std::string& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return Failure(Status::Code::kIo, "not_a_directory", {{"path", dir}});
  std::vector<std::pair<int64_t, fs::path>> out;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    int64_t n = 0;
    if (ParseCheckpointName(it->path().filename().string(), &n)) out.emplace_back(n, it->path());
  }
  if (ec) return Failure(Status::Code::kIo, "read_failed", {{"path", dir}, {"detail", ec.message()}});
  std::sort(out.begin(), out.end());
  return out;
}

// Seconds since the epoch of an RFC 3339 UTC time ("2022-01-10T02:00:00Z"), or -1.
int64_t ParseUtc(const std::string& t) {
  std::tm tm{};
  if (t.size() != 20 || !strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

// Checks the signed checkpoints asked for against a log that Verifier has passed. Every
// checkpoint found is checked, not only the newest: a checkpoint added later, even with a
// stolen key, cannot hide a rewrite of what an earlier one covers.
VerifyResult CheckCheckpoints(const AuditData& d, VerifyResult r, const VerifyOptions& o) {
  Lang lang = o.lang;
  auto cannot = [&](const std::string& p) { r.ok = false; r.cannot_run = true; r.first_bad_seq = 0; r.problem = p; return r; };
  auto fail = [&](int64_t seq, const std::string& p) { r.ok = false; r.first_bad_seq = seq; r.problem = p; return r; };
  std::vector<fs::path> files;
  bool named = false;  // the user named the file: it may be a symlink, and an unreadable one is a usage error
  std::string pem;
  if (!o.checkpoint.empty() || !o.checkpoint_dir.empty()) {
    if (o.pubkey.empty()) return cannot(Message(lang, "checkpoint_needs_pubkey"));
    auto k = ReadRegular(o.pubkey, 1 << 20, true);
    if (!k.ok())
      return cannot(Message(lang, "pubkey_unreadable", {{"file", o.pubkey}, {"detail", k.status().message()}}));
    pem = *k;
    r.checkpoint_key = o.pubkey;
    if (!o.checkpoint.empty()) {
      files.push_back(o.checkpoint);
      named = true;
    } else {
      auto list = ListCheckpoints(o.checkpoint_dir);
      if (!list.ok()) return cannot(Message(lang, "checkpoint_dir_unreadable", {{"dir", o.checkpoint_dir}}));
      if (list->empty()) return cannot(Message(lang, "checkpoint_dir_empty", {{"dir", o.checkpoint_dir}}));
      for (auto& [n, p] : *list) files.push_back(p);
    }
  } else if (o.configured_dir) {
    auto it = d.meta.find(kAutoCheckpointKey);
    if (it == d.meta.end()) return r;
    auto cfg = ParseJsonDocument(it->second);
    std::string dir = cfg.ok() ? Str(*cfg, "dir") : "";
    pem = cfg.ok() ? Str(*cfg, "pubkey") : "";
    auto list = ListCheckpoints(dir);
    if (!list.ok()) {
      r.note = Message(lang, "checkpoint_dir_unreadable/configured", {{"dir", dir}});
      return r;
    }
    if (list->empty()) {
      r.note = Message(lang, "checkpoint_dir_empty/configured", {{"dir", dir}});
      return r;
    }
    for (auto& [n, p] : *list) files.push_back(p);
    r.checkpoint_key = Message(lang, "recorded_pubkey");
  } else {
    return r;
  }
  PKey key = ReadKey(pem, false);
  if (!key) return cannot(Message(lang, "pubkey_invalid"));
  const int64_t n_events = static_cast<int64_t>(d.events.size());
  std::optional<CheckpointDoc> latest;
  for (auto& f : files) {
    const std::string name = f.string();
    auto text = ReadRegular(name, 1 << 20, named);
    if (!text.ok()) {
      const std::string why = text.status().message();
      if (named) return cannot(Message(lang, "checkpoint_unreadable", {{"file", name}, {"detail", why}}));
      return fail(n_events, AuditProblem("verify/checkpoint_unreadable", {{"file", name}, {"detail", why}}));
    }
    auto c = ParseCheckpoint(*text);
    if (!c) {
      if (named) return cannot(Message(lang, "checkpoint_malformed", {{"file", name}}));
      return fail(n_events, AuditProblem("verify/checkpoint_malformed", {{"file", name}}));
    }
    if (!SignatureHolds(key.get(), *c)) return fail(0, AuditProblem("verify/checkpoint_signature", {{"file", name}}));
    if (n_events < c->events)
      return fail(n_events + 1, AuditProblem("verify/checkpoint_dropped", {{"events", std::to_string(n_events)},
                                                                          {"file", name},
                                                                          {"signed", std::to_string(c->events)}}));
    if (d.events[static_cast<size_t>(c->events - 1)].hash != c->head)
      return fail(c->events,
                  AuditProblem("verify/checkpoint_rewritten", {{"seq", std::to_string(c->events)}, {"file", name}}));
    ++r.checkpoints_checked;
    if (!latest || c->events > latest->events || (c->events == latest->events && c->at > latest->at)) {
      latest = c;
      r.checkpoint_file = name;
    }
  }
  r.checkpoint_version = latest->version;
  r.checkpoint_events = latest->events;
  r.checkpoint_head = latest->head;
  r.checkpoint_at = latest->version >= 2 ? latest->at : "";
  return r;
}

std::vector<std::string> StoreImpl::TakeWarnings() {
  std::vector<std::string> w;
  w.swap(warnings_);
  return w;
}

Status StoreImpl::Checkpoint(const std::string& key_pem_file, const std::string& out_file) {
  Stmt last(db_.get(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!last.Step()) return StatusIn(lang_, Status::Code::kInvalid, "event_log_empty");
  auto key = LoadPrivateKey(key_pem_file, lang_);
  if (!key.ok()) return key.status();
  auto cp = SignCheckpoint(key->get(), last.Int(0), last.Text(1), Now());
  if (!cp.ok()) return cp.status();
  return WriteFile(out_file, json::Canonical(CheckpointToDoc(*cp)) + "\n");
}

VerifyResult StoreImpl::VerifyCheckpoint(const std::string& checkpoint_file, const std::string& pubkey_file) {
  VerifyOptions o;
  o.checkpoint = checkpoint_file;
  o.pubkey = pubkey_file;
  o.lang = lang_;
  if (checkpoint_file.empty()) {  // still a checkpoint check: a missing name is not "no checkpoint"
    VerifyResult r;
    r.ok = false;
    r.cannot_run = true;
    r.problem = Msg("checkpoint_not_given");
    return r;
  }
  return Verify(o);
}

ActionResult StoreImpl::ConfigureAutoCheckpoint(const std::string& actor, const AutoCheckpoint& config) {
  Doc value = json::Null();
  if (!config.off) {
    std::error_code ec;
    if (config.dir.empty() || !fs::is_directory(config.dir, ec))
      return MakeResult("", Outcome::kCannotRun, "usage", Msg("usage/no_checkpoint_dir", {{"dir", config.dir}}));
    if (config.every_events < 0 || config.every_minutes < 0 || (config.every_events == 0 && config.every_minutes == 0))
      return MakeResult("", Outcome::kCannotRun, "usage", Msg("usage/checkpoint_every"));
    auto key = LoadPrivateKey(config.key, lang_);
    if (!key.ok()) return MakeResult("", Outcome::kCannotRun, "usage", key.status().message());
    // Absolute paths: later commands may run from another directory.
    value = json::Obj({{"dir", json::Str(fs::absolute(config.dir).lexically_normal().string())},
                       {"key", json::Str(fs::absolute(config.key).lexically_normal().string())},
                       {"pubkey", json::Str(PublicPem(key->get()))},
                       {"every_events", json::Int(config.every_events)}, {"every_minutes", json::Int(config.every_minutes)}});
  }
  Status st = BeginCommand();
  if (!st.ok()) return MakeResult("", db_->busy() ? Outcome::kConflict : Outcome::kCannotRun, "busy", st.message());
  const User* user = org_.FindUser(actor);
  EventBody body = NewEvent(EventKind::kConfig, actor, user);
  body.Set(Ev::kAutoCheckpoint, value).Set(Ev::kDefinitions, json::Str(current_hash_));
  ActionResult result;
  bool granted = TopTier(user);
  if (!granted) {
    result = MakeResult("", Outcome::kRefused, user ? "no_permission" : "no_user",
                        user ? Msg("no_permission/auto_checkpoint") : Msg("no_user", {{"user", actor}}));
    body.Set(Ev::kRefused, json::Bool(true));
    body.Set(Ev::kReason, json::Str(result.code));
  } else {
    body.Set(Ev::kRefused, json::Bool(false));
  }
  auto ev = AppendEvent(body);
  if (ev.ok() && granted) {
    Stmt up(db_.get(), value.kind == Doc::Kind::kNull ? "DELETE FROM meta WHERE key = ?1"
                                                       : "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    up.Bind(1, std::string(kAutoCheckpointKey));
    if (value.kind != Doc::Kind::kNull) up.Bind(2, json::Canonical(value));
    st = up.Run();
  }
  if (!ev.ok() || !st.ok() || !(st = db_->Commit()).ok()) {
    db_->Rollback();
    return MakeResult("", Outcome::kCannotRun, "store", ev.ok() ? st.message() : ev.status().message());
  }
  AfterCommit();  // the first checkpoint at once, which also shows that the directory is writable
  return result;
}

Status StoreImpl::AfterCommit() {
  auto warn = [&](const Status& st) {
    warnings_.push_back(Msg("auto_checkpoint_failed", {{"detail", st.message()}}));
    return st;
  };
  Stmt m(db_.get(), "SELECT value FROM meta WHERE key = ?");
  m.Bind(1, std::string(kAutoCheckpointKey));
  if (!m.Step()) return m.status().ok() ? Status::Ok() : warn(m.status());
  auto cfg = ParseJsonDocument(m.Text(0));
  if (!cfg.ok()) return warn(Failure(Status::Code::kInvalid, "auto_checkpoint_malformed"));
  std::string dir = Str(*cfg, "dir");
  int64_t every_events = json::GetInt(*cfg, "every_events"), every_minutes = json::GetInt(*cfg, "every_minutes");
  Stmt last(db_.get(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!last.Step()) return last.status().ok() ? Status::Ok() : warn(last.status());
  int64_t n = last.Int(0);
  std::string head = last.Text(1);
  auto list = ListCheckpoints(dir);
  if (!list.ok()) return warn(list.status());
  std::string now = Now();
  bool due = list->empty();
  if (!due) {
    int64_t last_n = list->back().first;
    due = every_events > 0 && n - last_n >= every_events;
    if (!due && every_minutes > 0 && n > last_n) {
      auto text = ReadRegular(list->back().second.string(), 1 << 20, false);
      auto c = text.ok() ? ParseCheckpoint(*text) : std::nullopt;
      int64_t then = c ? ParseUtc(c->at) : -1, t = ParseUtc(now);
      due = then < 0 || t < 0 || t - then >= every_minutes * 60;
    }
  }
  if (!due) return Status::Ok();
  auto key = LoadPrivateKey(Str(*cfg, "key"), lang_);
  if (!key.ok()) return warn(key.status());
  auto cp = SignCheckpoint(key->get(), n, head, now);
  if (!cp.ok()) return warn(cp.status());
  // Written aside and renamed, so that a checkpoint is never seen half-written.
  fs::path final_path = fs::path(dir) / CheckpointName(n);
  fs::path tmp = fs::path(dir) / ("." + CheckpointName(n) + "." + std::to_string(::getpid()) + ".tmp");
  Status st = WriteFile(tmp, json::Canonical(CheckpointToDoc(*cp)) + "\n");
  std::error_code ec;
  if (st.ok()) {
    fs::rename(tmp, final_path, ec);
    if (ec)
      st = Failure(Status::Code::kIo, "write_failed/detail", {{"path", final_path.string()}, {"detail", ec.message()}});
  }
  if (!st.ok()) {
    fs::remove(tmp, ec);
    return warn(st);
  }
  return Status::Ok();
}

}  // namespace gridstat::store
