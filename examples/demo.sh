#!/usr/bin/env bash
# The main job of `make demo`: compile the shipped Guangxi definitions, prove
# them with their rule tests, and validate a sample batch of all three surveys.
set -u
G=${1:-build/bin/gridstat}
cd "$(dirname "$0")/.." || exit 2
DEFS=definitions/guangxi
EX=examples/submissions

say() { printf '\n== %s\n' "$*"; }

say "1. 编译定义 (gridstat check $DEFS)"
"$G" check $DEFS || exit 2
echo "定义无误: 3 个调查表 (basic_unit, agri_village, pop_change),参照数据已载入。"

say "2. 运行规则测试 (gridstat test $DEFS)"
"$G" test $DEFS || exit 2

say "3. 审核一批样例报表 (gridstat validate)"
echo "   上期已验收数据: $EX/agri_2020_accepted.jsonl(供 AG-W04 跨期比较)"
"$G" validate --defs $DEFS --previous $EX/agri_2020_accepted.jsonl \
  $EX/agri_2021.jsonl $EX/basic_unit_2024-06.json $EX/pop_change_2023.yaml
status=$?

say "4. 同一批次的 JSON 报告(每行一份,供系统对接),第一行:"
"$G" validate --defs $DEFS --format json --previous $EX/agri_2020_accepted.jsonl $EX/agri_2021.jsonl 2>/dev/null | head -1

echo "   (审核退出码 $status:0 全部无错误,1 有报表存在错误,2 无法运行)"

# ---------------------------------------------------------------------------
# The workflow on an embedded SQLite store, for the real villages of one
# township: 南宁市隆安县城厢镇 (450123100000).
DB=build/demo.db
W=examples/workflow
TOWN=450123100000
rm -f $DB $DB-wal $DB-shm

say "5. 建库 (gridstat init):定义、组织(examples/org.yaml)写入 $DB"
"$G" init --db $DB --defs $DEFS --org examples/org.yaml || exit 2

say "6. 自治区下发 2021 年村级农业生产情况报表到城厢镇各村 (gridstat release)"
n=$("$G" release --db $DB --as region-45 --survey agri_village --period 2021 --under $TOWN | wc -l)
echo "已下发 $n 个村的报表实例,例如 agri_report/2021/450123100201"

say "7. 各村协管员上报 (gridstat submit):有错误或未说明警告的被拒绝"
for v in 201 202 203 204 205 206; do
  echo "-- 村 450123100$v"
  "$G" submit --db $DB --as coord-450123100$v $W/agri-450123100$v.json
done

say "8. 改正后重新上报"
"$G" submit --db $DB --as coord-450123100202 $W/agri-450123100202-fixed.json
"$G" submit --db $DB --as coord-450123100203 $W/agri-450123100203-explained.json

say "9. 乡镇退回一份、审核通过其余 (gridstat act);县级验收,自治区审核确认"
A=agri_report/2021/450123100
"$G" act --db $DB --as town-450123100 ${A}204 return --comment "生猪出栏与存栏之比偏高,请再核实"
"$G" act --db $DB --as town-450123100 ${A}201 ${A}202 ${A}203 ${A}205 ${A}206 approve
"$G" act --db $DB --as county-450123 ${A}201 ${A}202 ${A}203 ${A}205 ${A}206 accept
echo "-- 自治区审核确认,乡镇归档一份 (附件3 四):"
"$G" act --db $DB --as region-45 ${A}201 ${A}202 confirm
"$G" act --db $DB --as town-450123100 ${A}201 archive
echo "-- 其他乡镇的统计员试图验收(越权,被拒绝并记录):"
"$G" act --db $DB --as town-450123101 ${A}204 approve
echo "-- 被退回报表的完整记录 (gridstat show):"
"$G" show --db $DB ${A}204

say "10. 进度与逾期 (gridstat progress,截至今天;上报期限为报告期结束后 45 天,即 2022-02-14)"
"$G" progress --db $DB --survey agri_village --period 2021 --under $TOWN --by 4 | head -8
echo "   ……"

say "11. 基本单位核查任务:导入,并由乡镇迁出到南圩镇 (gridstat import / act move_out)"
"$G" import --db $DB --as region-45 --workflow unit_task --period 2024-06 $W/tasks-2024-06.jsonl
"$G" act --db $DB --as town-450123100 unit_task/2024-06/T-0001 move_out --to 450123101000 --comment "单位实际在南圩镇"
"$G" audit history --db $DB unit_task/2024-06/T-0001

say "12. 审计核验 (gridstat audit verify):哈希链、状态重放、在原定义版本下重新审核每份报表"
"$G" audit verify --db $DB
exit 0
