#include "common/messages.h"

#include <unordered_map>

namespace gridstat {
namespace {

constexpr MessageKind kDiag = MessageKind::kDiagnostic;
constexpr MessageKind kFinding = MessageKind::kFinding;
constexpr MessageKind kInput = MessageKind::kInput;
constexpr MessageKind kRefusal = MessageKind::kRefusal;
constexpr MessageKind kFailure = MessageKind::kFailure;
constexpr MessageKind kUsage = MessageKind::kUsage;
constexpr MessageKind kLabel = MessageKind::kLabel;
constexpr MessageSeverity kError = MessageSeverity::kError;
constexpr MessageSeverity kWarning = MessageSeverity::kWarning;
constexpr MessageSeverity kNote = MessageSeverity::kNote;

// The table. Keep each stage's entries in its section, sorted by key within it.
const MessageDef kMessages[] = {
    // ---- common: files ------------------------------------------------------
    {"file_open", kFailure, kError, "无法打开 {path}", "cannot open {path}"},
    {"file_read", kFailure, kError, "无法读取 {path}", "cannot read {path}"},
    {"file_too_large", kFailure, kError, "{path} 大于 {max} 字节", "{path} is larger than {max} bytes"},
    {"stdin_read", kFailure, kError, "无法读取标准输入", "cannot read standard input"},
    {"stdin_too_large", kFailure, kError, "标准输入大于 {max} 字节", "standard input is larger than {max} bytes"},

    // ---- dsl: parsing -------------------------------------------------------

    // ---- compile: definitions -----------------------------------------------

    // ---- eval: run-time faults ------------------------------------------------

    // ---- input: reading submissions -------------------------------------------

    // ---- validate: field-level findings, reports, rule tests --------------------

    // ---- workflow and store: refusals and failures ------------------------------
    {"action_list_separator", kLabel, kNote, "、", ", "},
    {"action_title", kLabel, kNote, "「{label}」({name})", "'{label}' ({name})"},
    {"audit_subject/config", kLabel, kNote, "配置变更", "a configuration change"},
    {"audit_subject/export", kLabel, kNote, "不打码的导出", "an unmasked export"},
    {"audit_subject/migrate", kLabel, kNote, "迁移", "migrate"},
    {"audit_subject/org", kLabel, kNote, "组织机构变更", "org"},
    {"audit_subject/publish", kLabel, kNote, "发布", "publish"},
    {"auto_checkpoint_failed", kFailure, kWarning, "警告: 命令已完成,但未能写入自动检查点: {detail}",
     "warning: the command was done, but the automatic checkpoint could not be written: {detail}"},
    {"auto_checkpoint_malformed", kFailure, kError, "meta.auto_checkpoint 格式不对", "meta.auto_checkpoint is malformed"},
    {"backup_failed", kFailure, kError, "备份失败: {detail}", "backup failed: {detail}"},
    {"bad_map/cannot_apply", kRefusal, kError, "映射「{mapping}」无从适用:当前定义中有状态 {state} 的流程都仍有状态 {from},--map 只用于已改名的状态",
     "the mapping '{mapping}' cannot apply: every workflow of the current definitions with state {state} still has state {from}; --map is only for renamed states"},
    {"bad_map/instance", kRefusal, kError, "映射「{from}={to}」不适用于实例 {instance}:当前定义的流程 {workflow} 中没有状态 {to};可用 --map {workflow}.{from}=新状态 为该流程单独指明",
     "the mapping '{from}={to}' does not fit instance {instance}: workflow {workflow} of the current definitions has no state {to}; give its own with --map {workflow}.{from}=NEW"},
    {"bad_map/malformed", kRefusal, kError, "映射「{mapping}」的写法不对:应为 旧状态=新状态 或 流程.旧状态=新状态",
     "the mapping '{mapping}' is malformed: use OLD=NEW or WORKFLOW.OLD=NEW"},
    {"bad_map/no_state", kRefusal, kError, "映射「{mapping}」:当前定义的流程 {workflow} 中没有状态 {state}",
     "the mapping '{mapping}': workflow {workflow} of the current definitions has no state {state}"},
    {"bad_map/no_state_anywhere", kRefusal, kError, "映射「{mapping}」:当前定义的流程都没有状态 {state}",
     "the mapping '{mapping}': no workflow of the current definitions has state {state}"},
    {"bad_map/no_workflow", kRefusal, kError, "映射「{mapping}」:当前定义中没有流程 {workflow}",
     "the mapping '{mapping}': the current definitions have no workflow {workflow}"},
    {"bad_map/not_renamed", kRefusal, kError, "映射「{mapping}」:当前定义的流程 {workflow} 仍有状态 {state},--map 只用于已改名的状态",
     "the mapping '{mapping}': workflow {workflow} of the current definitions still has state {state}; --map is only for renamed states"},
    // A brace that opens no {name} is text: the task row's shape is written as it is.
    {"bad_row", kRefusal, kError, "{where}: 任务行应为 {\"id\", \"kind\": find|verify, \"division\": 区划树中的代码, \"data\": {…}}",
     "{where}: a task row needs id, kind (find|verify), a division of the tree and a data object"},
    {"bad_target", kRefusal, kError, "目标区划「{target}」不在区划树中", "target '{target}' is not in the division tree"},
    {"bad_target/division", kRefusal, kError, "区划「{division}」不在区划树中",
     "division '{division}' is not in the division tree"},
    {"bad_target/not_child", kRefusal, kError, "目标区划「{target}」不是「{jurisdiction}」的直接下级",
     "target '{target}' is not a child of '{jurisdiction}'"},
    {"bad_target/not_same_level", kRefusal, kError, "目标区划「{target}」应与当前区划「{jurisdiction}」同级且不同",
     "target '{target}' must be another division at the level of '{jurisdiction}'"},
    {"checkpoint_dir_empty", kFailure, kError, "检查点目录中没有检查点: {dir}", "no checkpoint in {dir}"},
    {"checkpoint_dir_empty/configured", kFailure, kNote, "配置的检查点目录 {dir} 中还没有检查点",
     "the configured checkpoint directory {dir} holds no checkpoint yet"},
    {"checkpoint_dir_unreadable", kFailure, kError, "无法读取检查点目录 {dir}", "cannot read the checkpoint directory {dir}"},
    {"checkpoint_dir_unreadable/configured", kFailure, kNote, "配置的检查点目录 {dir} 无法读取",
     "the configured checkpoint directory {dir} cannot be read"},
    {"checkpoint_malformed", kFailure, kError, "检查点文件格式不对: {file}", "the checkpoint file is malformed: {file}"},
    {"checkpoint_needs_pubkey", kUsage, kError, "检查点需要其公钥(--pubkey)", "a checkpoint needs its public key (--pubkey)"},
    {"checkpoint_not_given", kUsage, kError, "没有指定检查点文件", "no checkpoint file given"},
    {"checkpoint_unreadable", kFailure, kError, "无法读取检查点 {file}: {detail}", "cannot read checkpoint {file}: {detail}"},
    {"compile/failed", kRefusal, kError, "定义编译失败", "the definitions do not compile"},
    {"compile/failed_first", kRefusal, kError, "定义编译失败:\n{diagnostic}",
     "the definitions do not compile:\n{diagnostic}"},
    {"compile/no_division_tree", kRefusal, kError, "定义中没有区划树", "the definitions have no division tree"},
    {"conflict", kRefusal, kError, "冲突:实例刚被 {user} 改为「{state}」,您的「{action}」未执行",
     "conflict: {user} just moved the instance to '{state}'; your '{action}' was not applied"},
    {"conflict/definitions_changed", kRefusal, kError, "定义刚刚发布了新版本,未执行;请重试",
     "new definitions were just published; nothing was done; try again"},
    {"create_failed", kFailure, kError, "无法创建 {path}: {detail}", "cannot create {path}: {detail}"},
    {"create_failed/no_memory", kFailure, kError, "无法创建 {path}: 内存不足", "cannot create {path}: out of memory"},
    {"csv_column/division", kLabel, kNote, "区划代码", "division code"},
    {"csv_column/division_name", kLabel, kNote, "区划名称", "division name"},
    {"csv_column/instance", kLabel, kNote, "实例", "instance"},
    {"csv_column/row", kLabel, kNote, "行号", "row"},
    {"csv_column/state", kLabel, kNote, "状态", "state"},
    {"csv_column/version", kLabel, kNote, "版本", "version"},
    {"definitions_damaged", kFailure, kError, "存储的定义 {hash} 已损坏: {detail}",
     "stored definitions {hash} are damaged: {detail}"},
    {"definitions_damaged/compile", kFailure, kError, "存储的定义 {hash} 无法编译", "stored definitions {hash} do not compile"},
    {"definitions_damaged/hash", kFailure, kError, "存储的定义 {hash} 的哈希是 {actual}",
     "stored definitions {hash} hash to {actual}"},
    {"definitions_missing", kFailure, kError, "定义版本 {hash} 不在数据库中", "definitions version {hash} is not in the store"},
    {"event_log_empty", kRefusal, kError, "事件日志为空", "the event log is empty"},
    {"exists/export_dir", kRefusal, kError, "{dir} 已存在且不是空目录,未导出",
     "{dir} exists and is not an empty directory; nothing was exported"},
    {"exists/file", kRefusal, kError, "{path} 已存在", "{path} already exists"},
    {"exists/task", kRefusal, kNote, "{where}: 任务 {task} 已导入,未重复创建", "{where}: task {task} exists; not created again"},
    {"exists/villages", kRefusal, kNote, "{count} 个村已有该期报表实例,未重复创建",
     "{count} villages already have an instance for this period; nothing created for them"},
    {"guard/no_record", kRefusal, kError, "没有已提交的核查记录,不能验收", "no submitted record to accept"},
    {"guard/no_register_key", kRefusal, kError, "核查记录没有「{field}」,不能登记到名录库", "the record has no {field} to register"},
    {"guard/no_report", kRefusal, kError, "没有已提交的报表", "no submitted report"},
    // {lbrace} and {rbrace} are braces, so that {digest} inside the JSON example is filled in.
    {"guard/stale_explanation", kRefusal, kError, ";「{rule}」的说明原样沿用自上一版,而它说明的数值已改变:请重写说明,或写成 {lbrace}\"text\": 说明, \"digest\": \"{digest}\"{rbrace} 确认",
     "; the explanation of {rule} is carried over word for word from the previous revision, for other values: rewrite it, or confirm it as {lbrace}\"text\": ..., \"digest\": \"{digest}\"{rbrace}"},
    {"incompatible/state", kRefusal, kError, "当前定义的流程 {workflow} 中没有状态 {state},不能迁移;如该状态已改名,请用 --map {state}=新状态 指明",
     "workflow {workflow} of the current definitions lacks state {state}; if it was renamed, name its new state with --map {state}=NEW"},
    {"incompatible/workflow", kRefusal, kError, "当前定义中没有流程 {workflow},不能迁移",
     "the current definitions lack workflow {workflow}"},
    {"key_invalid", kUsage, kError, "私钥应为 PEM 格式的 Ed25519 私钥", "the key must be a PEM Ed25519 private key"},
    {"key_unreadable", kFailure, kError, "无法读取私钥 {file}: {detail}", "cannot read key {file}: {detail}"},
    {"mismatch", kRefusal, kError, "报表的调查表、报告期或区划({survey} {period} {division})与实例({instance_survey} {instance_period} {instance_division})不一致",
     "the submission's survey, period or division ({survey} {period} {division}) differs from the instance's ({instance_survey} {instance_period} {instance_division})"},
    {"missing_comment", kRefusal, kError, "「{action}」需要填写意见(--comment)", "'{action}' needs a comment (--comment)"},
    {"missing_target", kRefusal, kError, "「{action}」需要目标区划(--to)", "'{action}' needs a target division (--to)"},
    {"no_access", kRefusal, kError, "实例「{instance}」不存在或不在您的辖区内",
     "instance '{instance}' does not exist or is outside your jurisdiction"},
    {"no_access/not_created", kRefusal, kError, "实例「{instance}」不存在或不在您的辖区内(报表须先下发或导入)",
     "instance '{instance}' does not exist or is outside your jurisdiction (release or import it first)"},
    {"no_audit_export", kFailure, kError, "审计导出目录不存在: {dir}", "no such audit export directory: {dir}"},
    {"no_current_definitions", kFailure, kError, "数据库中没有当前定义", "store has no current definitions"},
    {"no_instance", kRefusal, kError, "实例「{instance}」不存在", "no instance '{instance}'"},
    {"no_instance/draft", kRefusal, kError, "新实例须先上报,不能只保存草稿", "a new instance starts with a submission, not a draft"},
    {"no_key", kRefusal, kError, "{where}: 报表缺少记录键,无法确定对应的实例",
     "{where}: the submission lacks its record key; cannot find its instance"},
    {"no_parent", kRefusal, kError, "已在最上级,不能再返回上一级", "already at the top level; there is no level above"},
    {"no_permission/act", kRefusal, kError, "角色 {role}({division})不能对该实例执行{action}",
     "role {role} ({division}) may not take '{action}' on this instance"},
    {"no_permission/audit_export", kRefusal, kError, "只有最上级的用户可以导出审计数据(含完整的身份证号码)",
     "only a user of the top tier may export the audit data (ID numbers in full)"},
    {"no_permission/auto_checkpoint", kRefusal, kError, "只有最上级的用户可以配置自动检查点",
     "only a user of the top tier may configure automatic checkpoints"},
    {"no_permission/export", kRefusal, kError, "只有最上级的用户可以导出完整的身份证号码",
     "only a user of the top tier may export ID numbers in full"},
    {"no_permission/import", kRefusal, kError, "角色 {role} 不能在「{division}」导入任务",
     "role {role} may not import tasks at {division}"},
    {"no_permission/migrate", kRefusal, kError, "只有{tier}的用户可以迁移实例的定义版本",
     "only a user of the {tier} may migrate instances"},
    {"no_permission/org", kRefusal, kError, "只有最上级的用户可以更新组织机构",
     "only a user of the top tier may update the organisation"},
    {"no_permission/publish", kRefusal, kError, "只有最上级的用户可以发布定义",
     "only a user of the top tier may publish definitions"},
    {"no_permission/release", kRefusal, kError, "角色 {role}不能在「{under}」下发报表",
     "role {role} may not release under {under}"},
    {"no_permission/submit", kRefusal, kError, "角色 {role}({division})不能对该实例执行「{action}」",
     "role {role} ({division}) may not take '{action}' on this instance"},
    {"no_survey", kRefusal, kError, "没有调查表「{survey}」", "no survey '{survey}'"},
    {"no_user", kRefusal, kError, "用户「{user}」不存在", "no user '{user}'"},
    {"no_workflow", kRefusal, kError, "{where}: 没有流程承载调查表「{survey}」", "{where}: no workflow carries survey '{survey}'"},
    {"not_a_directory", kFailure, kError, "不是目录: {path}", "not a directory: {path}"},
    {"not_a_store", kFailure, kError, "不是 gridstat 数据库(没有结构版本)", "not a gridstat store (no schema version)"},
    {"not_regular_file", kFailure, kError, "{path} 不是普通文件", "{path} is not a regular file"},
    {"open_failed", kFailure, kError, "无法打开 {path}: {detail}", "cannot open {path}: {detail}"},
    {"open_failed/no_memory", kFailure, kError, "无法打开 {path}: 内存不足", "cannot open {path}: out of memory"},
    {"org_file/division_level", kInput, kError, "{file}:{line}: division {division} 不是角色 {role} 所在层级({level} 级)的区划",
     "{file}:{line}: division {division} is not a level-{level} division for role {role}"},
    {"org_file/duplicate_grid", kInput, kError, "{file}:{line}: 网格重复: {grid}", "{file}:{line}: duplicate grid {grid}"},
    {"org_file/duplicate_user", kInput, kError, "{file}:{line}: 用户重复: {user}", "{file}:{line}: duplicate user {user}"},
    {"org_file/grid", kInput, kError, "{file}:{line}: 网格应为含 code、village、name 的映射",
     "{file}:{line}: a grid must be a mapping of code, village and name"},
    {"org_file/grid_village", kInput, kError, "{file}:{line}: 网格需要 code 和区划树中的村级代码 village",
     "{file}:{line}: a grid needs a code and the 12-digit code of a village of the division tree"},
    {"org_file/grid_worker", kInput, kError, "{file}:{line}: 网格员的 division 应为本文件中的网格: {division}",
     "{file}:{line}: a grid worker's division must be a grid of the file: {division}"},
    {"org_file/grids", kInput, kError, "{file}:{line}: grids 应为列表", "{file}:{line}: grids must be a list"},
    {"org_file/not_mapping", kInput, kError, "{file}: 应为含 users 和 grids 的映射",
     "{file}: expected a mapping with users and grids"},
    {"org_file/nul", kInput, kError, "{file}:{line}: 含有 NUL 字节(YAML 不允许)",
     "{file}:{line}: a NUL byte, which YAML does not allow"},
    {"org_file/unknown_role", kInput, kError, "{file}:{line}: 未知的角色: {role}", "{file}:{line}: unknown role {role}"},
    {"org_file/user", kInput, kError, "{file}:{line}: 用户应为含 id、name、role、division 的映射",
     "{file}:{line}: a user must be a mapping of id, name, role and division"},
    {"org_file/user_id", kInput, kError, "{file}:{line}: 用户缺少 id", "{file}:{line}: a user needs an id"},
    {"org_file/users", kInput, kError, "{file}: users 应为列表", "{file}: users must be a list"},
    {"org_file/utf8", kInput, kError, "{file}: 不是有效的 UTF-8", "{file}: not valid UTF-8"},
    {"org_file/yaml", kInput, kError, "{file}:{line}: YAML 格式错误: {detail}", "{file}:{line}: malformed YAML: {detail}"},
    {"pubkey_invalid", kUsage, kError, "公钥应为 PEM 格式的 Ed25519 公钥", "the public key must be a PEM Ed25519 public key"},
    {"pubkey_unreadable", kFailure, kError, "无法读取公钥 {file}: {detail}", "cannot read public key {file}: {detail}"},
    {"read_failed", kFailure, kError, "无法读取 {path}: {detail}", "cannot read {path}: {detail}"},
    {"recorded_pubkey", kLabel, kNote, "数据库中记录的公钥(用 --pubkey 指定另行保管的公钥更可靠)",
     "the public key recorded in the store (--pubkey with a key kept elsewhere is stronger)"},
    {"request_id_reused", kRefusal, kError, "请求编号 {request_id} 已用于另一个请求,未执行;请换一个编号",
     "request id {request_id} was already used for another request; nothing was done; use a new id"},
    {"request_repeated", kRefusal, kNote, "请求 {request_id} 已处理过,未重复执行",
     "request {request_id} was already handled; nothing was done again"},
    {"revision_no_definitions", kFailure, kError, "没有定义", "no definitions"},
    {"revision_unreadable", kFailure, kError, "存储的报表无法读取", "stored envelope unreadable"},
    {"role_at", kLabel, kNote, "{role}({division})", "{role} ({division})"},
    {"row_changed", kRefusal, kError, "{where}: 任务 {task} 已按另一内容导入,本行与之不同,未导入;请用新的任务编号,或改正本行",
     "{where}: task {task} was imported with other content; this row differs and was not imported; use a new task id or correct the row"},
    {"schema_reference", kFailure, kError, "无法建立用于比对的数据库结构", "cannot build the reference schema"},
    {"schema_version", kFailure, kError, "不支持数据库结构版本 {version}(本程序读取版本 {supported})",
     "store schema version {version} is not supported (this build reads {supported})"},
    {"sign_failed", kFailure, kError, "签名失败", "signing failed"},
    {"sqlite", kFailure, kError, "数据库出错(sqlite): {detail}", "sqlite: {detail}"},
    {"sqlite/busy", kFailure, kError, "数据库出错(sqlite): 数据库一直忙", "sqlite: the store stayed busy"},
    {"sqlite/memory", kFailure, kError, "无法打开内存数据库", "cannot open an in-memory database"},
    {"sqlite/prepare", kFailure, kError, "无法准备 SQL 语句: {detail},语句: {sql}", "prepare: {detail} in {sql}"},
    {"stale_version", kRefusal, kError, "实例已是第 {version} 版,不是您看到的第 {seen} 版;请刷新后重试",
     "instance is at version {version}, not {seen}; reload and retry"},
    {"state_list_separator", kLabel, kNote, "、", "、"},
    {"store", kFailure, kError, "存储出错,未执行", "store error; nothing was done"},
    {"store/detail", kFailure, kError, "存储出错,未执行: {detail}", "store error; nothing was done: {detail}"},
    {"store/no_workflow", kFailure, kError, "流程 {workflow} 不在其定义中", "workflow {workflow} is not in its definitions"},
    {"tests_failed", kRefusal, kError, "规则测试有 {failed} 个未通过({tests}),未发布;请改正后再发布,或用 --skip-tests --comment 说明理由",
     "{failed} rule tests fail ({tests}); nothing was published; fix them, or use --skip-tests --comment"},
    {"top_tier", kLabel, kNote, "最上级", "top tier"},
    {"top_tier/level", kLabel, kNote, "最上级({level} 级)", "top tier (level {level})"},
    {"unknown_action/act", kRefusal, kError, "流程 {workflow} 不能用 act 执行「{action}」(可用: {actions};报表用 gridstat submit 提交)",
     "workflow {workflow} has no act action '{action}' (use {actions}; submissions go through gridstat submit)"},
    {"unknown_action/submit", kRefusal, kError, "流程 {workflow} 没有提交动作", "workflow {workflow} takes no submissions"},
    {"usage/as_of", kUsage, kError, "--as-of 应为 YYYY-MM-DD", "--as-of must be YYYY-MM-DD"},
    {"usage/bad_period", kUsage, kError, "报告期「{period}」格式不符合调查表 {survey}",
     "period '{period}' does not fit survey {survey}"},
    {"usage/checkpoint_every", kUsage, kError, "需要 --every-events 或 --every-minutes(正整数)",
     "--every-events or --every-minutes (a positive number) is needed"},
    {"usage/negative_version", kUsage, kError, "版本号不能为负数", "a version cannot be negative"},
    {"usage/no_checkpoint_dir", kUsage, kError, "检查点目录不存在: {dir}", "no such checkpoint directory: {dir}"},
    {"usage/no_import", kUsage, kError, "流程「{workflow}」不能导入任务", "workflow '{workflow}' does not import tasks"},
    {"usage/no_release", kUsage, kError, "没有流程可以下发调查表「{survey}」", "no workflow releases survey '{survey}'"},
    {"usage/skip_tests", kUsage, kError, "跳过规则测试须说明理由(--comment)",
     "skipping the rule tests needs a comment (--comment)"},
    // verify/...: what the auditor finds wrong (VerifyResult::problem, reported in English).
    {"verify/acts_on_missing", kFailure, kError, "作用于不存在的实例", "acts on an instance that does not exist"},
    {"verify/body_canonical", kFailure, kError, "事件内容不是规范形式", "body is not in canonical form"},
    {"verify/body_json", kFailure, kError, "事件内容不是有效的 JSON", "body is not valid JSON"},
    {"verify/body_seq", kFailure, kError, "事件内容中的序号是另一个", "body names another seq"},
    {"verify/checkpoint_dropped", kFailure, kError, "事件日志只有 {events} 个事件,而检查点 {file} 担保了 {signed} 个:有事件被删除",
     "the log has {events} events but checkpoint {file} vouches for {signed}: events were dropped"},
    {"verify/checkpoint_malformed", kFailure, kError, "检查点 {file} 格式不对", "checkpoint {file} is malformed"},
    {"verify/checkpoint_rewritten", kFailure, kError, "事件 {seq} 不是检查点 {file} 签名的那一个:日志被改写",
     "event {seq} is not the one checkpoint {file} signed: the log was rewritten"},
    {"verify/checkpoint_signature", kFailure, kError, "检查点 {file} 的签名不能用这个公钥验证",
     "the signature of checkpoint {file} does not verify with this public key"},
    {"verify/checkpoint_unreadable", kFailure, kError, "检查点 {file} 无法读取: {detail}",
     "checkpoint {file} cannot be read: {detail}"},
    {"verify/config_missing", kFailure, kError, "配置事件中没有配置", "a configuration event without its configuration"},
    {"verify/creates_existing", kFailure, kError, "新建的实例已经存在", "creates an instance that already exists"},
    {"verify/creates_not_current", kFailure, kError, "按当时不是当前版本的定义新建了实例",
     "creates an instance under definitions that were not current"},
    {"verify/current_definitions", kFailure, kError, "当前定义与最后一个发布事件不同",
     "the current definitions differ from the last publish event"},
    {"verify/definitions_altered", kFailure, kError, "定义 {definitions} 被改动或无法编译",
     "definitions {definitions} are altered or do not compile"},
    {"verify/definitions_differ", kFailure, kError, "定义与实例的不同", "definitions differ from the instance's"},
    {"verify/definitions_missing", kFailure, kError, "引用的定义 {definitions} 缺失或被改动",
     "names definitions {definitions} that are missing or altered"},
    {"verify/event_missing", kFailure, kError, "事件 {seq} 缺失(找到的是 {found})", "event {seq} is missing (found {found})"},
    {"verify/export_definitions_dir", kFailure, kError, "无法读取定义目录", "cannot read the definitions directory"},
    {"verify/export_definitions_file", kFailure, kError, "{file} 不是定义文件", "{file} is not a definitions file"},
    {"verify/export_file", kFailure, kError, "无法读取 {file}", "cannot read {file}"},
    {"verify/export_line", kFailure, kError, "{file}: 有一行格式不对", "{file}: malformed line"},
    {"verify/export_malformed", kFailure, kError, "{file} 格式不对", "{file} is malformed"},
    {"verify/export_not_dir", kFailure, kError, "{file} 不是目录", "{file} is not a directory"},
    {"verify/export_unreadable", kFailure, kError, "无法读取 {file}: {detail}", "cannot read {file}: {detail}"},
    {"verify/first_version", kFailure, kError, "新实例的版本必须从 1 开始", "a new instance must start at version 1"},
    {"verify/format", kFailure, kError, "格式 {format} 的事件出现在格式 {before} 的事件之后",
     "an event of format {format} after one of format {before}"},
    {"verify/from_state", kFailure, kError, "起始状态 '{from}' 不是实例的状态 '{state}'",
     "from-state '{from}' is not the instance's state '{state}'"},
    {"verify/guard", kFailure, kError, "'{action}' 的条件不成立却被执行: {guard}",
     "'{action}' was allowed although its guard fails: {guard}"},
    {"verify/hash", kFailure, kError, "哈希与事件内容不符", "hash does not match the event's content"},
    {"verify/instance_column", kFailure, kError, "instance 列与事件内容不一致", "the instance column differs from the body"},
    {"verify/instance_differs", kFailure, kError, "实例 {instance} 与其事件所得的不同",
     "instance {instance} differs from what its events give"},
    {"verify/instance_missing", kFailure, kError, "实例 {instance} 不在数据库中",
     "instance {instance} is missing from the store"},
    {"verify/instance_no_events", kFailure, kError, "实例 {instance} 没有事件", "instance {instance} has no events"},
    {"verify/map_not_renamed", kFailure, kError, "改名了状态 '{before}',而新定义仍有这个状态",
     "renames state '{before}', which the new definitions still have"},
    {"verify/map_not_text", kFailure, kError, "映射中有不是文本的状态", "its mapping names a state that is not text"},
    {"verify/map_unused", kFailure, kError, "记录了映射,却没有改变状态", "records a mapping but does not change the state"},
    {"verify/meta", kFailure, kError, "meta.{key} 与事件所得的不同", "meta.{key} is not what the events give"},
    {"verify/meta_missing", kFailure, kError, "meta.{key} 缺失,而配置事件设置了它",
     "meta.{key} is missing although a config event set it"},
    {"verify/migrate_from", kFailure, kError, "迁移的起始定义不是实例所用的定义", "migrates from definitions the instance was not on"},
    {"verify/migrate_jurisdiction", kFailure, kError, "迁移记录的辖区与实例的不同",
     "migrate names another jurisdiction than the instance's"},
    {"verify/migrate_no_instance", kFailure, kError, "迁移了不存在的实例", "migrates an instance that does not exist"},
    {"verify/migrate_no_state", kFailure, kError, "迁移到状态 '{state}',而新定义的流程 {workflow} 中没有这个状态",
     "migrates to state '{state}', which workflow {workflow} of the new definitions does not have"},
    {"verify/migrate_no_workflow", kFailure, kError, "迁移到的定义中没有流程 {workflow}",
     "migrates to definitions without workflow {workflow}"},
    {"verify/migrate_not_current", kFailure, kError, "迁移到的定义当时不是当前版本", "migrates to definitions that were not current"},
    {"verify/migrate_state", kFailure, kError, "从状态 '{before}' 迁移,而实例的状态是 '{state}'",
     "migrates from state '{before}', but the instance is in '{state}'"},
    {"verify/migrate_workflow", kFailure, kError, "按流程 '{workflow}' 迁移,而实例的流程是 '{instance_workflow}'",
     "migrates as workflow '{workflow}', not the instance's '{instance_workflow}'"},
    {"verify/never_published", kFailure, kError, "定义 {definitions} 已存储但从未发布",
     "definitions {definitions} are stored but were never published"},
    {"verify/no_actor", kFailure, kError, "{subject}没有记录执行的用户", "{subject} names no user"},
    {"verify/no_division_tree", kFailure, kError, "其定义中没有区划树", "its definitions have no division tree"},
    {"verify/no_instance", kFailure, kError, "事件没有实例", "event has no instance"},
    {"verify/no_refused", kFailure, kError, "事件缺少 refused", "event lacks refused"},
    {"verify/not_a_user", kFailure, kError, "由 '{actor}' 执行,而当时没有这个角色和区划的该用户",
     "was taken by '{actor}', who was not a user with that role and division"},
    {"verify/not_current", kFailure, kError, "引用的定义 {definitions} 当时不是当前版本",
     "names definitions {definitions} that were not current"},
    {"verify/not_top_tier", kFailure, kError, "授权给了角色 {role},而它不属于最上级",
     "was granted to role {role}, which is not of the top tier"},
    {"verify/org", kFailure, kError, "组织机构与最后一个组织机构事件不同", "the organisation differs from the last org event"},
    {"verify/outside_role", kFailure, kError, "'{action}' 由角色 {role} 执行,超出了该角色在此的权限",
     "'{action}' was taken by role {role} outside what that role may do there"},
    {"verify/prev_hash", kFailure, kError, "prev_hash 与前一个事件的哈希不符",
     "prev_hash does not match the hash of the event before"},
    {"verify/published_not_stored", kFailure, kError, "发布的定义没有存储", "published definitions are not stored"},
    {"verify/published_seq", kFailure, kError, "定义 {definitions} 记录的发布事件是另一个",
     "definitions {definitions} name another publishing event"},
    {"verify/report_format", kFailure, kError, "报表格式 {format} 的提交出现在格式 {before} 的提交之后",
     "a submission of report format {format} after one of format {before}"},
    {"verify/report_format_unknown", kFailure, kError, "报表格式 {format} 未知",
     "a submission of unknown report format {format}"},
    {"verify/request_id_column", kFailure, kError, "request_id 列与事件内容不一致",
     "the request_id column differs from the body"},
    {"verify/revalidate", kFailure, kError, "提交 {submission}: 按其定义重新审核得到不同的结果",
     "submission {submission}: re-running it under its definitions gives other findings"},
    {"verify/revalidate_definitions", kFailure, kError, "定义 {definitions} 缺失或被改动",
     "definitions {definitions} missing or altered"},
    {"verify/revalidate_failed", kFailure, kError, "提交 {submission}: 按其定义重新审核得到不同的结果({problem})",
     "submission {submission}: re-running it under its definitions gives other findings ({problem})"},
    {"verify/schema_added", kFailure, kError, "数据库结构中有 gridstat 不会创建的对象: {object}",
     "the schema has an object gridstat does not create: {object}"},
    {"verify/schema_changed", kFailure, kError, "数据库结构缺少或改动了 gridstat 创建的对象: {object}",
     "the schema lacks or changed an object gridstat creates: {object}"},
    {"verify/state_before", kFailure, kError, "state_before 必须是实例原来的状态,且与 state 不同",
     "state_before must be the state the instance had, and differ from state"},
    {"verify/subject", kFailure, kError, "{subject}:{why}", "{subject} {why}"},
    {"verify/submission_data", kFailure, kError, "提交 {submission}: 数据与其哈希不符",
     "submission {submission}: data does not match its hash"},
    {"verify/submission_differs", kFailure, kError, "提交 {submission} 与其事件不同",
     "submission {submission} differs from its event"},
    {"verify/submission_findings", kFailure, kError, "提交 {submission}: 审核结果与其哈希不符",
     "submission {submission}: findings do not match their hash"},
    {"verify/submission_missing", kFailure, kError, "提交 {submission} 不在数据库中",
     "submission {submission} is missing from the store"},
    {"verify/submission_no_event", kFailure, kError, "提交 {submission} 没有事件", "submission {submission} has no event"},
    {"verify/unit_data", kFailure, kError, "单位 {unit}: 数据与验收的记录不同",
     "unit {unit}: data differs from the accepted record"},
    {"verify/unit_differs", kFailure, kError, "单位 {unit} 与其验收事件不同", "unit {unit} differs from its accept event"},
    {"verify/unit_missing", kFailure, kError, "单位 {unit} 不在名录库中", "unit {unit} is missing from the registry"},
    {"verify/units", kFailure, kError, "名录库与验收事件不符", "the unit registry does not match the accept events"},
    {"verify/unknown_action", kFailure, kError, "引用了其定义中没有的动作", "names an action its definitions do not have"},
    {"verify/unknown_kind", kFailure, kError, "未知的事件类型 '{kind}'", "unknown event kind '{kind}'"},
    {"verify/unknown_role", kFailure, kError, "引用了未知的角色", "names an unknown role"},
    {"verify/unknown_workflow", kFailure, kError, "引用了未知的流程", "names an unknown workflow"},
    {"verify/unknown_workflow_action", kFailure, kError, "引用了其流程中没有的动作", "names an action its workflow does not have"},
    {"verify/unlawful", kFailure, kError, "'{action}' 在此不合规: {why}", "'{action}' was not lawful there: {why}"},
    {"verify/unmapped", kFailure, kError, "把状态从 '{before}' 改为 '{state}',却没有相应的映射",
     "changes the state from '{before}' to '{state}' without a mapping that says so"},
    {"verify/version", kFailure, kError, "版本号不连续", "version does not follow"},
    {"verify/wrong_jurisdiction", kFailure, kError, "把实例移到了 '{action}' 不会移到的地方",
     "moves the instance where '{action}' does not"},
    {"verify/wrong_to", kFailure, kError, "'{action}' 不会到达 '{to}'", "'{action}' does not lead to '{to}'"},
    {"write_failed", kFailure, kError, "无法写入 {path}", "cannot write {path}"},
    {"write_failed/detail", kFailure, kError, "无法写入 {path}: {detail}", "cannot write {path}: {detail}"},
    {"wrong_state", kRefusal, kError, "当前状态为「{state}」,只有在「{states}」状态才能执行「{action}」",
     "the instance is '{state}'; '{action}' needs {states}"},
    {"wrong_state/creates", kRefusal, kError, "实例尚不存在,「{action}」不能新建实例",
     "the instance does not exist; '{action}' does not create one"},

    // ---- capi -----------------------------------------------------------------

    // ---- cli: usage and labels -------------------------------------------------

};

const std::unordered_map<std::string_view, const MessageDef*>& Index() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const MessageDef*>;
    for (const auto& d : kMessages) m->emplace(d.key, &d);
    return m;
  }();
  return *index;
}

std::string Fill(std::string_view tmpl, std::string_view key, MessageArgs args) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i + 1);
      if (close != std::string_view::npos) {
        std::string_view name = tmpl.substr(i + 1, close - i - 1);
        const MessageArg* arg = nullptr;
        for (const auto& a : args)
          if (a.name == name) arg = &a;
        if (arg != nullptr) {
          out += arg->value;
        } else {
          out += '{';
          out += name;
          out += '}';
        }
        i = close + 1;
        continue;
      }
    }
    out += tmpl[i++];
  }
  (void)key;
  return out;
}

}  // namespace

const MessageDef* FindMessage(std::string_view key) {
  const auto& index = Index();
  auto it = index.find(key);
  return it == index.end() ? nullptr : it->second;
}

std::string Message(Lang lang, std::string_view key, MessageArgs args) {
  const MessageDef* d = FindMessage(key);
  if (d == nullptr) return std::string(key);
  return Fill(lang == Lang::kEn ? d->en : d->zh, key, args);
}

MessageText MessageBoth(std::string_view key, MessageArgs args) {
  const MessageDef* d = FindMessage(key);
  if (d == nullptr) return {std::string(key), std::string(key)};
  return {Fill(d->zh, key, args), Fill(d->en, key, args)};
}

Status Failure(Status::Code code, std::string_view key, MessageArgs args) {
  MessageText t = MessageBoth(key, args);
  return Status::Make(code, std::move(t.en), std::move(t.zh));
}

std::string_view MessageCode(std::string_view key) { return key.substr(0, key.find('/')); }

const std::vector<MessageDef>& MessageCatalogue() {
  static const std::vector<MessageDef> all(std::begin(kMessages), std::end(kMessages));
  return all;
}

const char* MessageKindName(MessageKind k) {
  switch (k) {
    case MessageKind::kDiagnostic: return "diagnostic";
    case MessageKind::kFinding: return "finding";
    case MessageKind::kInput: return "input";
    case MessageKind::kRefusal: return "refusal";
    case MessageKind::kFailure: return "failure";
    case MessageKind::kUsage: return "usage";
    case MessageKind::kLabel: return "label";
  }
  return "?";
}

const char* MessageSeverityName(MessageSeverity s) {
  switch (s) {
    case MessageSeverity::kError: return "error";
    case MessageSeverity::kWarning: return "warning";
    case MessageSeverity::kNote: return "note";
  }
  return "?";
}

}  // namespace gridstat
