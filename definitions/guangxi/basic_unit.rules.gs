# 基本单位情况表的审核规则

rules for basic_unit {
  let registrar = substr(uscc, 1, 1)

  error BU-E01 "统一社会信用代码{uscc}校验码错误(GB 32100-2015)":
    gb32100_valid(uscc)

  error BU-E02 "单位所在地区划代码{division_code}不是区划库中的村级(社区)代码":
    division_code in divisions and level(divisions, division_code) = 5

  error BU-E03 "单位所在地区划代码{division_code}与填报村{division}不一致,不在本村的单位应迁出,不应在本村填报":
    division_code = division

  error BU-E04 "行业代码{industry_code}不是国民经济行业分类(GB/T 4754-2017)的小类代码":
    industry_code in industry and level(industry, industry_code) = 4

  error BU-E05 "从业人员期末人数({employees}人)或营业收入({revenue}千元)不能为负数":
    employees >= 0 and (missing(revenue) or revenue >= 0)

  error BU-E06 "开业(成立)时间{opened}早于1900-01或晚于报告期{period}":
    opened >= "1900-01" and opened <= period

  error BU-E07 "经纬度({latitude}, {longitude})须同时填报,且位于广西范围内(北纬20.5–26.6度,东经104.3–112.1度)":
    present(latitude) = present(longitude)
    and (missing(latitude) or latitude between 20.5 and 26.6)
    and (missing(longitude) or longitude between 104.3 and 112.1)

  warning BU-W01 "统一社会信用代码登记管理部门码({registrar})与单位类型({unit_type})不符,请核实":
    (unit_type not in ("10", "55") or registrar = "9")
    and (unit_type not in ("20", "30") or registrar = "1")
    and (unit_type not in ("40", "51", "52") or registrar = "5")
    and (unit_type != "56" or registrar = "N")

  warning BU-W02 "从业人员为0但营业收入{revenue}千元超过10000千元,请核实":
    not (employees = 0 and revenue > 10000)

  warning BU-W03 "从业人员期末人数{employees}人超过5000人,请核实":
    employees <= 5000

  warning BU-W04 "运营状态为当年关闭、破产、注销或吊销,但从业人员为{employees}人,请核实"
    when operating_status in ("4", "5", "6", "7"):
    not (employees > 0)

  warning BU-W05 "统一社会信用代码{uscc}的登记地(第3–4位为{substr(uscc, 3, 2)})不在广西,请核实":
    substr(uscc, 3, 2) = "45"
}
