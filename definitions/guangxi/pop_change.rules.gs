# 人口变动情况抽样调查表的审核规则

rules for pop_change {
  # 周岁:从出生月第一天到标准时点(调查年度 11 月 1 日零时)的整年数
  let reference_time = date(period, 11, 1)
  let age = age_at(birth, reference_time)
  let family = household_type = "1"
  let heads = count(persons where relation = "0")

  error PC-E01 "家庭户应有且只有一名户主,现有{heads}名"
    when family:
    heads = 1

  error PC-E02 "第{row}人出生年月{birth}晚于调查年度10月或年龄超过120岁"
    for each persons:
    birth <= ym(period, 10) and age <= 120

  error PC-E03 "第{row}人公民身份号码{id_number}不符合 GB 11643-1999(出生日期或校验码错误)"
    for each persons when present(id_number):
    gb11643_valid(id_number)

  error PC-E04 "第{row}人公民身份号码{id_number}与出生年月({birth})或性别不一致"
    for each persons when gb11643_valid(id_number):
    id_birth(id_number) = birth and id_sex(id_number) = sex

  error PC-E05 "第{row}人{age}岁:15岁及以上须填婚姻状况,不满15岁不填"
    for each persons:
    (age >= 15 and present(marital)) or (age < 15 and missing(marital))

  error PC-E06 "家庭户户主的配偶(第{row}人)与户主性别相同"
    for each persons when family and heads = 1 and relation = "1":
    sex != the(persons where relation = "0", sex)

  error PC-E07 "家庭户第{row}人未填与户主关系"
    for each persons when family:
    present(relation)

  error PC-E08 "调查小区代码{district_code}的前12位与填报村{division}不一致":
    substr(district_code, 1, 12) = division

  warning PC-W01 "第{row}人为子女,出生年月{birth}与户主出生年月相差不足15年(180个月),请核实"
    for each persons when family and heads = 1 and relation = "2":
    months_between(the(persons where relation = "0", birth), birth) >= 180

  warning PC-W02 "第{row}人有配偶,但年龄{age}岁低于法定婚龄(男22岁、女20岁),请核实"
    for each persons when marital = "2":
    not (sex = "1" and age < 22) and not (sex = "2" and age < 20)

  warning PC-W03 "家庭户人数{count(persons)}人,超过10人,请核实"
    when family:
    count(persons) <= 10

  warning PC-W04 "户主年龄{the(persons where relation = \"0\", age)}岁,不满16岁,请核实"
    when family and heads = 1:
    the(persons where relation = "0", age) >= 16
}
