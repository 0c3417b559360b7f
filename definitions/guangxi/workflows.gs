# 三个业务流程(附件2、3、4)。谁可以在哪一级做什么,见 SURVEYS 的流程表。
#   by 角色       该角色的用户,在自己的辖区内(协管员:本村;网格员:网格所在村;统计员:本级及下级)
#   by holder     实例当前所在区划的用户(村级为该村协管员)
#   from none     新建实例;needs submission 表示随报表提交
#   accepted      该状态的数据算已验收:跨期规则读它,导出和汇总计它

workflow agri_report "村级农业生产情况报表" for agri_village {
  state released          "已下发" initial
  state submitted         "已上报"
  state returned          "已退回"
  state township_approved "乡镇已审核"
  state accepted          "县级已验收" accepted
  state confirmed         "自治区已审核确认" accepted
  state archived          "已归档" final accepted

  deadline submit 45 days after period

  action release "下发报表" {
    by region_statistician
    from none
    to released
    creates villages
  }
  action submit "上报" {
    by coordinator
    from released, returned
    to submitted
    needs submission
    guard errors() = 0 "报表还有错误,请改正后再上报"
    guard unexplained_warnings() = 0 "报表有未说明的警告,请逐条核实并填写说明"
  }
  action return "退回" {
    by township_statistician, county_statistician
    from submitted, township_approved
    to returned
    needs comment
  }
  action approve "乡镇审核通过" {
    by township_statistician
    from submitted
    to township_approved
  }
  action accept "县级验收" {
    by county_statistician
    from township_approved
    to accepted
  }
  action confirm "自治区审核确认" {
    by region_statistician
    from accepted
    to confirmed
  }
  action reopen "重新打开" {
    by county_statistician, city_statistician
    from accepted, confirmed, archived
    to returned
    needs comment
  }
  action archive "归档" {
    by township_statistician
    from confirmed
    to archived
  }
}

workflow unit_task "基本单位核查任务" for basic_unit {
  state pending           "待核查" initial
  state surveyed          "已核查上报"
  state rejected          "已驳回"
  state township_approved "乡镇已审核"
  state accepted          "县级已验收" final accepted

  action import "导入任务底册" {
    by region_statistician
    from none
    to pending
    creates rows
  }
  action assign "下派" {
    by holder
    from pending
    to pending
    needs target
    target child
    moves target
  }
  action move_out "迁出" {
    by county_statistician, township_statistician
    from pending, surveyed, rejected
    to pending
    needs target, comment
    target same_level
    moves target
  }
  action return_up "返回上一级" {
    by holder
    from pending, rejected
    to pending
    needs comment
    moves parent
  }
  action submit "核查上报" {
    by coordinator
    from pending, rejected
    to surveyed
    needs submission
    guard errors() = 0 "核查记录还有错误,请改正后再上报"
    guard unexplained_warnings() = 0 "核查记录有未说明的警告,请逐条核实并填写说明"
  }
  action reject "驳回" {
    by township_statistician, county_statistician
    from surveyed, township_approved
    to rejected
    needs comment
  }
  action approve "乡镇审核通过" {
    by township_statistician
    from surveyed
    to township_approved
  }
  action accept "县级验收" {
    by county_statistician
    from township_approved
    to accepted
    registers uscc
  }
}

workflow household_survey "人口变动调查住户" for pop_change {
  state submitted         "已登记上报" initial
  state rechecked         "已复查"
  state returned          "已退回"
  state township_approved "乡镇已审核"
  state accepted          "县级已验收" final accepted

  deadline submit 15 days after period

  action submit "登记上报" {
    by coordinator
    from none, returned
    to submitted
    needs submission
    guard errors() = 0 "住户登记表还有错误,请改正后再上报"
    guard unexplained_warnings() = 0 "住户登记表有未说明的警告,请逐条核实并填写说明"
  }
  action recheck "复查" {
    by coordinator
    from submitted
    to rechecked
    needs comment
  }
  action return "退回" {
    by township_statistician, county_statistician
    from submitted, rechecked, township_approved
    to returned
    needs comment
  }
  action approve "乡镇审核通过" {
    by township_statistician
    from rechecked
    to township_approved
  }
  action accept "县级验收" {
    by county_statistician
    from township_approved
    to accepted
  }
}
