# 基本单位情况表(附件2:基本单位名录库维护)

codes unit_type "单位类型" {
  "10" "企业"
  "20" "事业单位"
  "30" "机关"
  "40" "社会团体"
  "51" "民办非企业单位"
  "52" "基金会"
  "53" "居委会"
  "54" "村委会"
  "55" "农民专业合作社"
  "56" "农村集体经济组织"
  "90" "其他组织机构"
}

codes operating_status "运营状态" {
  "1" "正常运营"
  "2" "停业(歇业)"
  "3" "筹建"
  "4" "当年关闭"
  "5" "当年破产"
  "6" "当年注销"
  "7" "当年吊销"
  "9" "其他"
}

survey basic_unit "基本单位情况表" {
  period month
  key uscc

  field uscc             "统一社会信用代码"       text length 18 required
  field name             "单位详细名称"           text length 2..100 required
  field legal_rep        "法定代表人(单位负责人)" text required
  field division_code    "单位所在地区划代码"     division required
  field address          "单位所在地详细地址"     text required
  field phone            "联系电话"               text length 7..20 pattern "[0-9-]+"
  field unit_type        "单位类型"               code(unit_type) required
  field industry_code    "行业代码"               text length 4 pattern "[0-9]{4}" required
  field main_activity    "主要业务活动"           text required
  field operating_status "运营状态"               code(operating_status) required
  field opened           "开业(成立)时间"         yearmonth required
  field employees        "从业人员期末人数"       integer unit "人" required
  field revenue          "营业收入"               decimal(1) unit "千元"
  field latitude         "纬度"                   decimal(6)
  field longitude        "经度"                   decimal(6)
}
