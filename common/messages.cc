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
    {"bad-character", kDiag, kError, "此处不能出现字符「{char}」", "unexpected character '{char}'"},
    {"bad-character/control-hint", kDiag, kError, "定义文件中不能有控制字符(制表符、换行除外),字符串和注释里也不行",
     "control characters (other than tab and line ends) may not appear in a definition, "
     "not even in a string or a comment"},
    {"bad-character/identifier-hint", kDiag, kError, "标识符只能用 ASCII 字母、数字和下划线;中文请写在双引号里",
     "identifiers are ASCII letters, digits and _; put Chinese text in quotes"},
    {"diagnostic-hint", kLabel, kNote, "提示", "hint"},
    {"file-too-large", kDiag, kError, "定义文件过大({size} 字节,上限 {max})",
     "definition file too large ({size} bytes, limit {max})"},
    {"internal", kDiag, kError, "解析器内部错误: {what}", "internal parser error: {what}"},
    {"invalid-utf8", kDiag, kError, "文件不是有效的 UTF-8 编码", "the file is not valid UTF-8"},
    {"invalid-utf8/hint", kDiag, kError, "请以 UTF-8 编码保存文件", "save the file as UTF-8"},
    {"syntax", kDiag, kError, "语法错误:此处不应出现「{token}」", "syntax error: unexpected '{token}'"},
    {"syntax/end-of-file", kDiag, kError, "语法错误:此处不应出现「文件结尾」", "syntax error: unexpected '文件结尾'"},
    {"syntax/expected-hint", kDiag, kError, "此处应为: {tokens}", "expected one of: {tokens}"},
    {"template", kDiag, kError, "消息中的「{」没有对应的「}」", "'{' in the message has no matching '}'"},
    {"template/hint", kDiag, kError, "要写大括号本身,请写成 {{ 或 }}", "write {{ or }} for a literal brace"},
    {"too-deep/chain", kDiag, kError, "表达式过长(一串运算超过 {max} 项)", "expression too long (a chain of over {max} terms)"},
    {"too-deep/expression", kDiag, kError, "表达式嵌套过深(超过 {max} 层)", "expression nested too deeply (over {max} levels)"},
    {"too-deep/nesting", kDiag, kError, "嵌套过深(超过 {max} 层)", "nesting too deep (over {max} levels)"},
    {"too-deep/split-hint", kDiag, kError, "请拆分成几个 let 定义", "split it into several `let` definitions"},
    {"too-many-errors", kDiag, kError, "问题过多,另有 {n} 条未列出", "{n} more problems not shown"},
    {"unterminated-string", kDiag, kError, "字符串缺少结尾的双引号", "string is missing its closing quote"},
    {"unterminated-string/hint", kDiag, kError, "在这一行末尾补上 \"", "add \" before the end of the line"},
    {"where-position/first-argument", kDiag, kError, "where 只能跟在第一个参数(表格名)后面",
     "`where` may only follow the first argument (the roster)"},

    // ---- compile: definitions -----------------------------------------------
    {"argument-count", kDiag, kError, "{name} 需要 {lo} 个参数,这里有 {n} 个", "{name} takes {lo} arguments, not {n}"},
    {"argument-count/or-more", kDiag, kError, "{name} 需要 {lo} 个或更多 个参数,这里有 {n} 个",
     "{name} takes {lo} or more arguments, not {n}"},
    {"argument-count/range", kDiag, kError, "{name} 需要 {lo} 到 {hi} 个参数,这里有 {n} 个",
     "{name} takes {lo} to {hi} arguments, not {n}"},
    {"argument-count/which", kDiag, kError, "which 的参数应成对出现:条件, 文字, 条件, 文字, …",
     "which takes pairs of arguments: condition, text, condition, text, ..."},
    {"bad-action/by", kDiag, kError, "动作「{name}」缺少 by(谁可以执行)", "action '{name}' needs `by ROLE`"},
    {"bad-action/from", kDiag, kError, "动作「{name}」缺少 from(起始状态,新建用 none)",
     "action '{name}' needs `from STATE` (`none` to create)"},
    {"bad-action/from-none", kDiag, kError, "从 none 开始的动作需要 creates villages、creates rows 或 needs submission",
     "an action from `none` needs `creates villages`, `creates rows` or `needs submission`"},
    {"bad-action/moves-target", kDiag, kError, "moves target 需要 needs target", "`moves target` needs `needs target`"},
    {"bad-action/register-key", kDiag, kError, "登记到名录库需要写 registers 字段(用哪个字段作名录库的键)",
     "registering a unit needs `registers FIELD` (the field that keys the registry)"},
    {"bad-action/to", kDiag, kError, "动作「{name}」缺少 to(结果状态)", "action '{name}' needs `to STATE`"},
    {"bad-argument/prev", kDiag, kError, "prev 的参数必须是本表的一个字段名", "prev takes the name of a field of this survey"},
    {"bad-argument/prev-hint", kDiag, kError, "例如 prev(grain_output)", "for example prev(grain_output)"},
    {"bad-argument/roster", kDiag, kError, "{name} 的第一个参数必须是重复组", "the first argument of {name} must be a roster"},
    {"bad-argument/roster-hint", kDiag, kError, "本表的重复组: {roster}", "this survey's roster: {roster}"},
    {"bad-argument/round", kDiag, kError, "round 的位数必须是 0 到 12 的整数常量", "round needs a constant 0..12 places"},
    {"bad-argument/table", kDiag, kError, "{name} 的第一个参数必须是参照表名", "the first argument of {name} must be a table"},
    {"bad-argument/table-hint", kDiag, kError, "例如 level(divisions, division_code)",
     "for example level(divisions, division_code)"},
    {"bad-attribute/length", kDiag, kError, "只有文本字段可以设长度", "only text fields take a length"},
    {"bad-attribute/length-order", kDiag, kError, "长度上限小于下限", "the length's upper bound is below its lower bound"},
    {"bad-attribute/masked", kDiag, kError, "只有文本字段可以设 masked", "only text fields can be masked"},
    {"bad-attribute/pattern", kDiag, kError, "只有文本字段可以设格式", "only text fields take a pattern"},
    {"bad-attribute/range", kDiag, kError, "只有数值字段可以设取值范围", "only number fields take a range"},
    {"bad-attribute/range-order", kDiag, kError, "取值范围的上限小于下限", "the range's upper bound is below its lower bound"},
    {"bad-attribute/rows", kDiag, kError, "「{name}」的行数上限小于下限",
     "the rows' upper bound of '{name}' is below its lower bound"},
    {"bad-clause/registers", kDiag, kError, "registers 后面只能写一个字段", "`registers` takes one field"},
    {"bad-clause/to", kDiag, kError, "to 后面只能写一个状态", "`to` takes one state"},
    {"bad-clause/unknown", kDiag, kError, "动作里不能写「{name}」", "unknown action clause '{name}'"},
    {"bad-clause/unknown-hint", kDiag, kError, "可用: by、from、to、needs、moves、target、creates、effect、registers、guard",
     "use by, from, to, needs, moves, target, creates, effect, registers or guard"},
    {"bad-clause/value", kDiag, kError, "{word} 后面不能写「{name}」(可用: {list})",
     "'{name}' cannot follow {word} (use {list})"},
    {"bad-data-file/columns", kDiag, kError, "文件「{file}」第 {line} 行的列数与表头不同",
     "'{file}' line {line} has a different number of columns"},
    {"bad-data-file/duplicate-code", kDiag, kError, "文件「{file}」第 {line} 行的代码「{code}」重复",
     "'{file}' line {line}: duplicate code '{code}'"},
    {"bad-data-file/level", kDiag, kError, "文件「{file}」第 {line} 行的层级不是整数",
     "'{file}' line {line}: level is not an integer"},
    {"bad-data-file/malformed", kDiag, kError, "参照数据文件「{file}」格式错误: {reason}",
     "malformed reference data file '{file}': {reason}"},
    {"bad-data-file/no-column", kDiag, kError, "文件「{file}」没有列「{column}」", "'{file}' has no column '{column}'"},
    {"bad-data-file/no-column-hint", kDiag, kError, "现有的列: {columns}", "its columns: {columns}"},
    {"bad-data-file/nul", kDiag, kError, "参照数据文件「{file}」第 {line} 行含有 NUL 字节", "'{file}' line {line} holds a NUL byte"},
    {"bad-data-file/parent", kDiag, kError, "区划「{code}」的上级「{parent}」不在文件中",
     "division '{code}' has parent '{parent}', which is not in the file"},
    {"bad-data-file/unreadable", kDiag, kError, "无法读取参照数据文件「{file}」", "cannot read reference data file '{file}'"},
    {"bad-data-file/unreadable-hint", kDiag, kError, "路径相对于定义目录: {reason}",
     "paths are relative to the definitions directory: {reason}"},
    {"bad-data-file/utf8", kDiag, kError, "参照数据文件「{file}」不是有效的 UTF-8", "'{file}' is not valid UTF-8"},
    {"bad-literal/date", kDiag, kError, "「{text}」不是有效的日期(YYYY-MM-DD)", "'{text}' is not a date (YYYY-MM-DD)"},
    {"bad-literal/yearmonth", kDiag, kError, "「{text}」不是有效的年月(YYYY-MM)", "'{text}' is not a year-month (YYYY-MM)"},
    {"bad-number", kDiag, kError, "数字「{text}」无效或过大", "invalid or too large number '{text}'"},
    {"bad-pattern/field", kDiag, kError, "格式(正则表达式)无效: {error}", "invalid pattern: {error}"},
    {"bad-pattern/matches", kDiag, kError, "正则表达式无效: {error}", "invalid pattern: {error}"},
    {"bad-period", kDiag, kError, "报告期类型「{name}」无效", "unknown period kind '{name}'"},
    {"bad-period/hint", kDiag, kError, "可用: year、month、quarter", "use year, month or quarter"},
    {"bad-tier", kDiag, kError, "层级的 level 应为区划树的级别 1–9", "a tier's level must be a division level from 1 to 9"},
    {"bad-type/code", kDiag, kError, "code 需要代码表名称,例如 code(unit_type)", "code needs a code list, e.g. code(unit_type)"},
    {"bad-type/decimal", kDiag, kError, "decimal 需要小数位数 0 到 12,例如 decimal(2)",
     "decimal needs a scale from 0 to 12, for example decimal(2)"},
    {"did-you-mean", kDiag, kError, "是不是「{name}」?", "did you mean '{name}'?"},
    {"duplicate-code", kDiag, kError, "代码「{code}」在代码表中重复", "code '{code}' is listed twice"},
    {"duplicate-rule", kDiag, kError, "规则代码「{name}」重复", "rule code '{name}' is used twice"},
    {"duplicate-rule/hint", kDiag, kError, "第一次在第 {line} 行", "first used at line {line}"},
    {"duplicate/action", kDiag, kError, "动作「{name}」重复定义(save 是内置动作)",
     "action '{name}' is defined twice (save is built in)"},
    {"duplicate/codes", kDiag, kError, "代码表「{name}」重复定义", "code list '{name}' is defined twice"},
    {"duplicate/divisions", kDiag, kError, "只能有一个区划树(divisions)", "only one reference table may be the division tree"},
    {"duplicate/field", kDiag, kError, "字段「{name}」重复定义", "field '{name}' is defined twice"},
    {"duplicate/first-defined-hint", kDiag, kError, "第一次定义在第 {line} 行", "first defined at line {line}"},
    {"duplicate/let", kDiag, kError, "let「{name}」重复定义", "let '{name}' is defined twice"},
    {"duplicate/reference", kDiag, kError, "参照表「{name}」重复定义", "reference table '{name}' is defined twice"},
    {"duplicate/role", kDiag, kError, "角色「{name}」重复定义", "role '{name}' is defined twice"},
    {"duplicate/state", kDiag, kError, "状态「{name}」重复定义", "state '{name}' is defined twice"},
    {"duplicate/survey", kDiag, kError, "调查表「{name}」重复定义", "survey '{name}' is defined twice"},
    {"duplicate/tier", kDiag, kError, "层级「{name}」重复定义", "tier '{name}' is defined twice"},
    {"duplicate/workflow", kDiag, kError, "流程「{name}」重复定义", "workflow '{name}' is defined twice"},
    {"empty-codes", kDiag, kError, "代码表「{name}」没有任何代码", "code list '{name}' is empty"},
    {"guard-only", kDiag, kError, "{name}() 只能用在流程的 guard 里", "{name}() can only be used in a workflow guard"},
    {"let-cycle", kDiag, kError, "let「{name}」引用了自身", "let '{name}' refers to itself"},
    {"list-separator", kLabel, kNote, "、", "、"},
    {"missing-file", kDiag, kError, "参照表「{name}」缺少 file \"路径\"", "reference table '{name}' needs file \"path\""},
    {"missing-key", kDiag, kError, "调查表「{name}」缺少记录键(key)", "survey '{name}' needs a `key`"},
    {"missing-key/hint", kDiag, kError, "例如 key division 或 key uscc", "for example `key division` or `key uscc`"},
    {"missing-period", kDiag, kError, "调查表「{name}」缺少 period(year、month 或 quarter)",
     "survey '{name}' needs `period year`, `period month` or `period quarter`"},
    {"no-accepted-state", kDiag, kWarning, "流程「{name}」没有声明哪些状态的数据算已验收(在状态后写 accepted)",
     "workflow '{name}' declares no accepted state (add the flag `accepted` to a state)"},
    {"no-definitions", kDiag, kError, "定义目录不存在或不是目录", "the definitions directory does not exist or is not a directory"},
    {"no-definitions/empty", kDiag, kError, "目录中没有 .gs 定义文件", "no .gs definition files in the directory"},
    {"no-final-state", kDiag, kWarning, "流程「{name}」没有终态(在状态后写 final)",
     "workflow '{name}' has no final state (add the flag `final` to a state)"},
    {"outside-definitions", kFailure, kError, "{path}(必须在定义目录之内)",
     "{path} (must stay inside the definitions directory)"},
    {"parent-cycle", kDiag, kError, "文件「{file}」第 {line} 行:上级关系成环({chain})",
     "'{file}' line {line}: the parents form a cycle ({chain})"},
    {"parent-cycle/hint", kDiag, kError, "每个代码的上级链必须终止于没有上级的代码",
     "every chain of parents must end at a code without a parent"},
    {"prev-without-accepted", kDiag, kError, "规则用了 prev(),但调查表「{survey}」的流程没有声明 accepted 状态,上期数据永远读不到",
     "rules use prev(), but no workflow for survey '{survey}' declares an accepted state, "
     "so there is never a previous period"},
    {"prev-without-accepted/hint", kDiag, kError, "在流程的验收状态后写 accepted,例如 state accepted \"县级已验收\" accepted",
     "flag the workflow's accepted states, e.g. state accepted \"county accepted\" accepted"},
    {"save-draft", kLabel, kNote, "保存草稿", "save draft"},
    {"too-deep/aggregates", kDiag, kError, "汇总函数嵌套过深(最多 {max} 层)", "aggregates nested too deeply (at most {max})"},
    {"too-deep/expanded", kDiag, kError, "展开 let 后表达式嵌套过深(超过 {max} 层)",
     "expression nests too deep once lets are expanded (over {max} levels)"},
    {"too-deep/expanded-hint", kDiag, kError, "把中间结果合并成较少、较浅的 let",
     "fold intermediate results into fewer, shallower lets"},
    {"too-deep/lets", kDiag, kError, "let 层层引用过深(超过 {max} 层)", "lets built on lets nest too deep (over {max} levels)"},
    {"too-deep/lets-hint", kDiag, kError, "把中间结果合并成较少的 let", "fold intermediate results into fewer lets"},
    {"too-large", kDiag, kError, "展开 let 后的规则过大(超过 {max} 个运算)",
     "rules too large once lets are expanded (over {max} operations)"},
    {"too-large/hint", kDiag, kError, "检查 let 是否层层重复引用", "look for lets that use each other over and over"},
    {"type-name/boolean", kLabel, kNote, "布尔值", "boolean"},
    {"type-name/date", kLabel, kNote, "日期", "date"},
    {"type-name/error", kLabel, kNote, "错误", "error"},
    {"type-name/geo", kLabel, kNote, "地理坐标", "geo"},
    {"type-name/number", kLabel, kNote, "数值", "number"},
    {"type-name/roster", kLabel, kNote, "重复组", "roster"},
    {"type-name/table", kLabel, kNote, "参照表", "table"},
    {"type-name/text", kLabel, kNote, "文本", "text"},
    {"type-name/yearmonth", kLabel, kNote, "年月", "yearmonth"},
    {"type/aggregate-condition", kDiag, kError, "{name} 的第二个参数必须是条件",
     "the second argument of {name} must be a condition"},
    {"type/aggregate-number", kDiag, kError, "{name} 需要数值", "{name} needs a number"},
    {"type/argument", kDiag, kError, "{name} 的第 {n} 个参数应为{other},这里是{type}",
     "argument {n} of {name} must be {other}, not {type}"},
    {"type/compare", kDiag, kError, "不能比较{type}和{other}", "cannot compare {type} with {other}"},
    {"type/compare-hint", kDiag, kError, "代码要写成带引号的文本,例如 unit_type = \"10\"",
     "codes are quoted text, e.g. unit_type = \"10\""},
    {"type/condition", kDiag, kError, "条件必须是真/假判断,这里是{type}", "a condition must be true or false; this is a {type}"},
    {"type/condition-hint", kDiag, kError, "例如写成 x > 0 或 present(x)", "for example x > 0 or present(x)"},
    {"type/in-list", kDiag, kError, "in 后面的列表只能写常量", "the list after `in` may only hold constants"},
    {"type/in-table", kDiag, kError, "只有文本或代码可以用 in 查表", "only text or codes can be looked up with `in`"},
    {"type/matches", kDiag, kError, "matches 左边必须是文本", "`matches` needs text on its left"},
    {"type/message", kDiag, kError, "消息中不能直接显示重复组或参照表", "a roster or table cannot be shown in a message"},
    {"type/number", kDiag, kError, "这里需要数值,而这是{type}", "a number is needed here; this is a {type}"},
    {"type/order", kDiag, kError, "{type}不能比较大小", "cannot order {type} values"},
    {"type/roster", kDiag, kError, "重复组「{name}」只能用在汇总函数里", "roster '{name}' can only be used in an aggregate"},
    {"type/roster-hint", kDiag, kError, "例如 count({name}) 或 sum({name}, 字段)",
     "for example count({name}) or sum({name}, field)"},
    {"type/table", kDiag, kError, "参照表「{name}」只能用在 in 或参照函数里",
     "table '{name}' can only be used with `in` or a lookup function"},
    {"type/time", kDiag, kError, "{name} 的参数应为年月或日期", "{name} needs a year-month or a date"},
    {"type/which", kDiag, kError, "which 的文字参数应为文本", "which takes text after each condition"},
    {"unknown-action", kDiag, kError, "流程没有动作「{name}」", "the workflow has no action '{name}'"},
    {"unknown-code", kDiag, kWarning, "「{code}」不在代码表「{list}」中", "'{code}' is not in code list '{list}'"},
    {"unknown-codes", kDiag, kError, "没有名为「{name}」的代码表", "no code list named '{name}'"},
    {"unknown-field", kDiag, kError, "调查表「{survey}」没有字段「{name}」", "survey '{survey}' has no field '{name}'"},
    {"unknown-function", kDiag, kError, "未知的函数「{name}」", "unknown function '{name}'"},
    {"unknown-function/hint", kDiag, kError, "函数列表见 doc/language.md", "see doc/language.md for the functions"},
    {"unknown-name", kDiag, kError, "未知的名称「{name}」", "unknown name '{name}'"},
    {"unknown-role", kDiag, kError, "没有名为「{name}」的角色", "no role named '{name}'"},
    {"unknown-role/hint", kDiag, kError, "角色用 role 定义", "declare roles with `role`"},
    {"unknown-roster", kDiag, kError, "没有名为「{name}」的重复组", "no roster named '{name}'"},
    {"unknown-setting", kDiag, kError, "参照表设置「{name}」无效", "unknown reference setting '{name}'"},
    {"unknown-setting/hint", kDiag, kError, "可用: file \"路径\"、code/label/level/parent \"列名\"、divisions",
     "use file \"path\", code/label/level/parent \"column\", divisions"},
    {"unknown-state", kDiag, kError, "流程「{workflow}」没有状态「{name}」", "workflow '{workflow}' has no state '{name}'"},
    {"unknown-state/hint", kDiag, kError, "状态用 state 定义", "declare states with `state`"},
    {"unknown-survey", kDiag, kError, "没有名为「{name}」的调查表", "no survey named '{name}'"},
    {"unknown-table", kDiag, kError, "没有名为「{name}」的代码表或参照表", "no code list or table named '{name}'"},
    {"unknown-tier", kDiag, kError, "没有名为「{name}」的层级", "no tier named '{name}'"},
    {"unknown-tier/hint", kDiag, kError, "层级用 tier 定义,或写 grid", "declare tiers with `tier`, or use grid"},
    {"unknown-type", kDiag, kError, "字段类型「{name}」无效", "unknown field type '{name}'"},
    {"unknown-type/hint", kDiag, kError, "可用: integer、decimal(n)、text、code(代码表)、division、yearmonth、date、boolean、geo",
     "use integer, decimal(n), text, code(list), division, yearmonth, date, boolean or geo"},
    {"unreachable-state", kDiag, kError, "状态「{name}」无法到达:没有动作通向它",
     "state '{name}' is unreachable: no action leads to it"},
    {"unreadable/entry", kDiag, kError, "无法读取目录项: {reason}", "cannot read directory entry: {reason}"},
    {"unreadable/file", kDiag, kError, "无法读取文件: {reason}", "cannot read file: {reason}"},
    {"where-position/not-aggregate", kDiag, kError, "只有汇总函数(count、sum、all 等)可以用 where", "only aggregates take `where`"},

    // ---- eval: run-time faults ------------------------------------------------
    {"bad_argument", kFinding, kError, "规则 {rule} 无法计算(参数无效),请核对相关数据",
     "rule {rule} could not be computed: bad_argument"},
    {"division_by_zero", kFinding, kError, "规则 {rule} 无法计算(除数为零),请核对相关数据",
     "rule {rule} could not be computed: division_by_zero"},
    {"overflow", kFinding, kError, "规则 {rule} 无法计算(数值溢出),请核对相关数据", "rule {rule} could not be computed: overflow"},
    {"value_empty", kLabel, kNote, "空", "empty"},
    {"value_no", kLabel, kNote, "否", "no"},
    {"value_separator", kLabel, kNote, "、", ", "},
    {"value_yes", kLabel, kNote, "是", "yes"},

    // ---- input: reading submissions -------------------------------------------

    // ---- validate: field-level findings, reports, rule tests --------------------

    // ---- workflow and store: refusals and failures ------------------------------

    // ---- capi -----------------------------------------------------------------
    {"ambiguous_previous", kInput, kError, "上期数据有歧义: 同一调查表、记录键和报告期有两份不同的记录,未执行审核",
     "ambiguous previous-period data: two different records for one survey, key and period; nothing was validated"},
    {"bad_request/duplicate_member", kUsage, kError, "请求中成员重复: {member}",
     "member given twice in the request: {member}"},
    {"bad_request/empty", kUsage, kError, "{member} 不能为空", "{member} must not be empty"},
    {"bad_request/instance_and_instances", kUsage, kError, "instance 与 instances 只能给一个",
     "give instance or instances, not both"},
    {"bad_request/missing_member", kUsage, kError, "请求缺少成员: {member}", "the request lacks the member: {member}"},
    {"bad_request/no_program", kUsage, kError, "没有定义(NULL)", "no program (NULL)"},
    {"bad_request/no_store", kUsage, kError, "没有存储(NULL)", "no store (NULL)"},
    {"bad_request/not_bool", kUsage, kError, "{member} 应为 true 或 false", "{member} must be true or false"},
    {"bad_request/not_int", kUsage, kError, "{member} 应为 {lo} 到 {hi} 之间的整数",
     "{member} must be a whole number from {lo} to {hi}"},
    {"bad_request/not_json", kUsage, kError, "请求不是有效的 JSON: {reason}", "the request is not valid JSON: {reason}"},
    {"bad_request/not_object", kUsage, kError, "请求应为 JSON 对象", "the request must be a JSON object"},
    {"bad_request/not_string", kUsage, kError, "{member} 应为字符串", "{member} must be a string"},
    {"bad_request/not_strings", kUsage, kError, "{member} 应为非空字符串的数组",
     "{member} must be an array of non-empty strings"},
    {"bad_request/pubkey", kUsage, kError, "pubkey 须与 checkpoint 或 checkpoint_dir 之一同用",
     "pubkey goes with one of checkpoint or checkpoint_dir"},
    {"bad_request/submissions", kUsage, kError, "submissions 应为报表对象或其数组",
     "submissions must be an envelope object or an array of them"},
    {"bad_request/unknown_member", kUsage, kError, "请求中有未知成员: {member}", "unknown member in the request: {member}"},
    {"internal/compile", kFailure, kError, "内部错误", "internal error"},
    {"internal/unknown", kFailure, kError, "未知错误", "unknown error"},
    {"malformed_previous", kInput, kError, "上期记录无法读取,未执行审核: {record}",
     "a previous-period record cannot be read; nothing was validated: {record}"},

    // ---- cli: usage and labels -------------------------------------------------
    {"ambiguous_previous/more", kInput, kNote, "……另有 {count} 处", "… and {count} more"},
    {"ambiguous_previous/nothing_validated", kInput, kError, "未执行审核:--previous 文件中每个调查表、记录键和报告期只能有一份记录",
     "nothing was validated: keep one record per survey, key and period in the --previous files"},
    {"ambiguous_previous/pair", kInput, kError, "上期数据有歧义: {what} 有两份不同的记录: {there} 与 {here}",
     "ambiguous previous-period data: two different records for {what}: {there} and {here}"},
    {"event/comment", kLabel, kNote, "  意见: {comment}", "  comment: {comment}"},
    {"event/refused", kLabel, kNote, "被拒绝: {message}", "REFUSED: {message}"},
    {"event/refused_reason", kLabel, kNote, "被拒绝 [{reason}] {message}", "REFUSED [{reason}] {message}"},
    {"input_unreadable", kFailure, kError, "无法读取输入文件: {path} ({reason})", "cannot read input file: {path} ({reason})"},
    {"internal_error", kFailure, kError, "gridstat: internal error: {what}", "gridstat: internal error: {what}"},
    {"no_events", kRefusal, kError, "没有该实例的事件: {instance}", "no events for {instance}"},
    {"previous_skipped", kInput, kWarning, "上期记录无法使用,已跳过: {where} {problem}",
     "previous-period record skipped: {where} {problem}"},
    {"previous_unreadable", kFailure, kError, "无法读取上期数据文件: {path} ({reason})",
     "cannot read previous-period file: {path} ({reason})"},
    {"progress/due", kLabel, kNote, "(应于 {due} 前 {action})", " (due {due} to {action})"},
    {"progress/heading", kLabel, kNote, "{survey} {period}  截至 {as_of},共 {total}",
     "{survey} {period}  as of {as_of}, total {total}"},
    {"progress/overdue", kLabel, kNote, "逾期: {count}", "overdue: {count}"},
    {"replay_summary", kLabel, kNote, "{count} 个实例的审核结果会改变", "{count} instances would change"},
    {"result/conflict", kLabel, kError, "冲突", "conflict"},
    {"result/error", kLabel, kError, "错误", "error"},
    {"result/refused", kLabel, kError, "拒绝", "refused"},
    {"result/repeated", kLabel, kNote, "(重复请求)", " (repeated request)"},
    {"rule_test/actual", kLabel, kNote, "  实际触发: {rules} ({status})", "  actual:   {rules} ({status})"},
    {"rule_test/expected", kLabel, kNote, "  应触发: {rules}{status}", "  expected: {rules}{status}"},
    {"rule_test/failed", kLabel, kError, "{where}: 未通过 {name}", "{where}: FAIL {name}"},
    {"rule_test/none", kLabel, kNote, "(none)", "(none)"},
    {"rule_test/summary", kLabel, kNote, "{passed} passed, {failed} failed", "{passed} passed, {failed} failed"},
    {"show/draft", kLabel, kNote, "(草稿)", " (draft)"},
    {"show/explanation", kLabel, kNote, "      说明: {text}", "      explanation: {text}"},
    {"show/figures", kLabel, kNote, "  填报数据:", "  figures:"},
    {"show/history", kLabel, kNote, "  历史:", "  history:"},
    {"show/jurisdiction", kLabel, kNote, "  所在区划: {division} {name}  状态: {state}  版本: {version}",
     "  jurisdiction: {division} {name}  state: {state}  version: {version}"},
    {"show/roster", kLabel, kNote, "    {label}({rows} 行):", "    {label} ({rows} rows):"},
    {"show/submission", kLabel, kNote, "  最新报表: 第 {revision} 版,{status}{draft}",
     "  latest submission: revision {revision}, {status}{draft}"},
    {"show/workflow", kLabel, kNote, "  流程: {workflow}  调查表: {survey}  报告期: {period}",
     "  workflow: {workflow}  survey: {survey}  period: {period}"},
    {"store_open", kFailure, kError, "无法打开数据库: {reason}", "cannot open store: {reason}"},
    {"usage/act", kUsage, kError, "用法: act 实例... 动作", "usage: act INSTANCE... ACTION"},
    {"usage/db_or_export", kUsage, kError, "用法: --db 与 --export 只能用一个", "usage: --db or --export, not both"},
    {"usage/db_required", kUsage, kError, "需要 --db", "--db is required"},
    {"usage/format", kUsage, kError, "用法: 此命令没有 --format {format}{why}",
     "usage: this command has no --format {format}{why}"},
    {"usage/format_export_csv", kUsage, kNote, "(export 只输出 CSV)", " (export writes CSV)"},
    {"usage/format_nothing", kUsage, kNote, "(它没有可格式化的输出)", " (it prints nothing to format)"},
    {"usage/format_only_export_csv", kUsage, kNote, "(只有 export 输出 CSV)", " (only export writes CSV)"},
    {"usage/help_hint", kUsage, kNote, "用 {help} 查看帮助。", "Run with {help} for more information."},
    {"usage/map", kUsage, kError, "用法: --map 旧状态=新状态 或 --map 流程.旧状态=新状态,而不是 {arg}",
     "usage: --map OLD=NEW or --map WORKFLOW.OLD=NEW, not {arg}"},
    {"usage/map_twice", kUsage, kError, "用法: --map 给了 {state} 两个新名称", "usage: --map gives two new names for {state}"},
    {"usage/pubkey", kUsage, kError, "用法: --pubkey 须与 --checkpoint 或 --checkpoint-dir 之一同用",
     "usage: --pubkey with one of --checkpoint or --checkpoint-dir"},
    {"usage/version", kUsage, kError, "版本号应为非负整数", "a version is a whole number, 0 or more"},
    {"validate_summary", kLabel, kNote, "共 {total} 份: 通过 {pass},警告 {warning},错误 {error}",
     "{total} submissions: {pass} pass, {warning} warning, {error} error"},
    {"verify/after_checkpoint", kLabel, kNote, "检查点之后的事件({from}-{to})只证明了内部一致",
     "events after the checkpoint ({from}-{to}) are proved internally consistent only"},
    {"verify/cannot", kFailure, kError, "无法验证: {problem}", "cannot verify: {problem}"},
    {"verify/checkpoint", kLabel, kNote, "检查点: {file} (v{version}) 签名覆盖事件 1-{events},头哈希 {head},签名时间 {at}",
     "checkpoint: {file} (v{version}) signs events 1-{events}, head hash {head}, signed at {at}"},
    {"verify/failed", kLabel, kError, "验证失败,第一个不成立的事件: #{seq}: {problem}", "FAILED at event {seq}: {problem}"},
    {"verify/internal_only", kLabel, kWarning, "只证明了内部一致: 没有检查签名检查点,整体改写并重算哈希链的历史也会通过;请用 --checkpoint 或自动检查点",
     "proved internal consistency only: no checkpoint was checked, so a history rewritten as a whole (events re-chained) would pass; use --checkpoint or auto-checkpoint"},
    {"verify/ok", kLabel, kNote, "通过: {events} events, {instances} instances, {submissions} submissions",
     "ok: {events} events, {instances} instances, {submissions} submissions"},
    {"verify/proved_checkpoint", kLabel, kNote, "已证明: 日志仍延续 {count} 个签名检查点;公钥: {key}",
     "proved: the log still extends {count} signed checkpoint(s); key: {key}"},
    {"verify/unsigned", kLabel, kNote, "未签名(第 1 版检查点)", "not signed (a version 1 checkpoint)"},

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
