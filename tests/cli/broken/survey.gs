# 故意写错的定义,用于测试诊断信息
survey s "测试表" {
  period year
  key division
  field rice_area "稻谷面积" decimal(1) required
  field kind "类别" code(kinds)
}

rules for s {
  error S-E01 "稻谷面积{rice_area}亩": rice_aera > 0
  warning S-W01 "面积": rice_area = "多"
}
