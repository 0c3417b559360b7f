// ValidateFiles: records are split out of the files in order and packed into batches; worker
// threads validate whole batches, and the calling thread hands the reports on in input order.
// What is read ahead is bounded in batches and in bytes, so memory does not grow with the input.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "gridstat/validate.h"

namespace gridstat {
namespace {

constexpr size_t kBatchRecords = 512;
// Decoded YAML records can be far larger than their text: batches and what is in flight are
// bounded in bytes as well.
constexpr size_t kBatchBytes = size_t{4} << 20;
constexpr size_t kInFlightBytes = size_t{64} << 20;
constexpr size_t kBatchesPerThread = 4;
// What the JSON parser may read beyond the last record of a batch's buffer.
constexpr size_t kParserPadding = 64;

using Emit = std::function<void(const Report&, std::string_view)>;

// Records of one file: JSON texts back to back in one buffer, the others as raw records.
struct Batch {
  std::string path;
  std::string text;
  struct Item {
    size_t offset = 0, size = 0;
    int line = 0;
    int other = -1;  // index into `others` for a record that is not JSON text
  };
  std::vector<Item> items;
  std::vector<RawRecord> others;
};

// A batch validated: its reports, and what `render` made of them, back to back.
struct Done {
  std::vector<Report> reports;
  std::string rendered;
  std::vector<size_t> ends;  // reports[i]'s text ends at rendered[ends[i]]
};

// Validates the records of a batch in order, handing each report to `sink` to keep: workers
// move the reports into their results rather than copy them (the copies of findings cost
// more than the validation of a plain record).
void ValidateEach(const Validator& validator, const BatchOptions& options, Batch& b,
                  const std::function<void(Report&&)>& sink) {
  auto on_envelope = [&](Envelope e) { sink(validator.Validate(e, options.previous)); };
  auto on_malformed = [&](Report r) { sink(std::move(r)); };
  for (auto& it : b.items) {
    if (it.other >= 0) {
      DecodeRawRecord(b.path, std::move(b.others[it.other]), on_envelope, on_malformed, validator.lang());
      continue;
    }
    // What Validator::ValidateText does, with the report owned here.
    std::string_view text = std::string_view(b.text).substr(it.offset, it.size);
    size_t capacity = b.text.capacity() - it.offset;
    Report r;
    if (validator.ValidatePlainText(b.path, text, capacity, it.line, options.previous, &r)) {
      sink(std::move(r));
      continue;
    }
    DecodeRecordText(b.path, text, capacity, it.line, on_envelope, on_malformed, validator.lang());
  }
}

// On a worker: the batch's reports, kept with what `render` made of them until their turn.
Done ValidateAndKeep(const Validator& validator, const BatchOptions& options, Batch& b) {
  Done d;
  d.reports.reserve(b.items.size());
  d.ends.reserve(b.items.size());
  ValidateEach(validator, options, b, [&](Report&& r) {
    if (options.render) options.render(r, &d.rendered);
    d.ends.push_back(d.rendered.size());
    if (options.keep_reports) {
      d.reports.push_back(std::move(r));
    } else {
      d.reports.emplace_back();
      d.reports.back().status = r.status;
    }
  });
  return d;
}

// On the calling thread alone: each report is handed on as it is made, nothing is kept.
void ValidateAndEmit(const Validator& validator, const BatchOptions& options, Batch& b, const Emit& emit) {
  std::string rendered;
  ValidateEach(validator, options, b, [&](Report&& r) {
    rendered.clear();
    if (options.render) options.render(r, &rendered);
    emit(r, rendered);
  });
}

void EmitDone(const Done& d, const Emit& emit) {
  size_t start = 0;
  for (size_t i = 0; i < d.reports.size(); ++i) {
    emit(d.reports[i], std::string_view(d.rendered).substr(start, d.ends[i] - start));
    start = d.ends[i];
  }
}

// The workers: a queue of numbered batches, and their results kept until their turn. The
// calling thread pushes batches and takes the results in order; a worker's exception is
// handed to it there. The destructor stops and joins the workers, whatever happened.
class Pool {
 public:
  Pool(int threads, const Validator& validator, const BatchOptions& options) {
    for (int t = 0; t < threads; ++t)
      workers_.emplace_back([this, &validator, &options] { Work(validator, options); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      queue_.clear();  // left over only when the run stopped on an exception
    }
    cv_work_.notify_all();
    for (auto& w : workers_) w.join();
  }

  size_t Push(Batch b) {
    size_t seq;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seq = next_seq_++;
      queue_.emplace_back(seq, std::move(b));
    }
    cv_work_.notify_one();
    return seq;
  }
  size_t pushed() const { return next_seq_; }
  size_t taken() const { return next_out_; }

  // Waits for the next batch in order and returns it.
  Done Take() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, [&] { return error_ || results_.count(next_out_) > 0; });
    if (error_) std::rethrow_exception(error_);
    Done d = std::move(results_[next_out_]);
    results_.erase(next_out_++);
    return d;
  }

 private:
  void Work(const Validator& validator, const BatchOptions& options) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_work_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      Done d;
      std::exception_ptr error;
      try {
        d = ValidateAndKeep(validator, options, job.second);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error && !error_) error_ = error;
      if (!error) results_.emplace(job.first, std::move(d));
      cv_done_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_work_, cv_done_;
  std::deque<std::pair<size_t, Batch>> queue_;
  std::map<size_t, Done> results_;
  std::exception_ptr error_;
  bool closing_ = false;
  size_t next_seq_ = 0, next_out_ = 0;  // next_seq_ is touched by the calling thread only
  std::vector<std::thread> workers_;
};

}  // namespace

Status ValidateFiles(const Validator& validator, const std::vector<std::string>& paths, const BatchOptions& options,
                     const std::function<void(const Report& report, std::string_view rendered)>& emit_in_input_order) {
  int threads = options.threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool parallel = threads > 1;
  std::optional<Pool> pool;
  if (parallel) pool.emplace(threads, validator, options);
  const size_t window = static_cast<size_t>(threads) * kBatchesPerThread;
  // Hands on the results in order until `until` batches are out.
  auto drain = [&](size_t until) {
    while (pool->taken() < until) EmitDone(pool->Take(), emit_in_input_order);
  };
  std::deque<std::pair<size_t, size_t>> inflight;  // (batch number, bytes)
  size_t inflight_total = 0, weight = 0;
  Status first_unreadable;
  for (const auto& path : paths) {
    Batch batch{path, {}, {}, {}};
    auto flush = [&]() {
      if (batch.items.empty()) return;
      size_t w = weight + batch.text.size();
      weight = 0;
      batch.text.reserve(batch.text.size() + kParserPadding);
      if (!parallel) {
        ValidateAndEmit(validator, options, batch, emit_in_input_order);
      } else {
        size_t seq = pool->Push(std::move(batch));
        inflight.emplace_back(seq, w);
        inflight_total += w;
        if (pool->pushed() - pool->taken() > window) drain(pool->pushed() - window);
        while (!inflight.empty()) {
          if (inflight.front().first >= pool->taken()) {
            if (inflight.size() == 1 || inflight_total <= kInFlightBytes) break;
            drain(inflight.front().first + 1);
          }
          inflight_total -= inflight.front().second;
          inflight.pop_front();
        }
      }
      batch = Batch{path, {}, {}, {}};
    };
    Status st = SplitSubmissionTexts(
        path,
        [&](std::string_view text, int line) {
          batch.items.push_back({batch.text.size(), text.size(), line, -1});
          batch.text.append(text);
          if (batch.items.size() >= kBatchRecords || batch.text.size() >= kBatchBytes) flush();
        },
        [&](RawRecord r) {
          weight += r.weight + r.text.size();
          batch.items.push_back({0, 0, r.line, static_cast<int>(batch.others.size())});
          batch.others.push_back(std::move(r));
          if (batch.items.size() >= kBatchRecords || weight + batch.text.size() >= kBatchBytes) flush();
        },
        validator.lang());
    flush();
    if (!st.ok()) {
      if (parallel) drain(pool->pushed());
      if (options.on_unreadable) options.on_unreadable(path, st);
      if (first_unreadable.ok()) first_unreadable = st;
    }
  }
  if (parallel) drain(pool->pushed());
  return first_unreadable;
}

}  // namespace gridstat
