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

echo
echo "审核退出码 $status:0 全部无错误,1 有报表存在错误(含格式错误的记录),2 无法运行。"
exit 0
