# 人口变动情况抽样调查表(附件4),每户一份。标准时点为调查年度 11 月 1 日零时。

codes household_type "户别" {
  "1" "家庭户"
  "2" "集体户"
}

codes relation "与户主关系" {
  "0" "户主"
  "1" "配偶"
  "2" "子女"
  "3" "父母"
  "4" "岳父母或公婆"
  "5" "祖父母"
  "6" "媳婿"
  "7" "孙子女"
  "8" "兄弟姐妹"
  "9" "其他"
}

codes sex "性别" {
  "1" "男"
  "2" "女"
}

codes marital "婚姻状况" {
  "1" "未婚"
  "2" "有配偶"
  "3" "离婚"
  "4" "丧偶"
}

codes ethnicity "民族" {
  "01" "汉族"   "02" "蒙古族" "03" "回族"   "04" "藏族"   "05" "维吾尔族"
  "06" "苗族"   "07" "彝族"   "08" "壮族"   "09" "布依族" "10" "朝鲜族"
  "11" "满族"   "12" "侗族"   "13" "瑶族"   "14" "白族"   "15" "土家族"
  "16" "哈尼族" "17" "哈萨克族" "18" "傣族" "19" "黎族"   "20" "傈僳族"
  "21" "佤族"   "22" "畲族"   "23" "高山族" "24" "拉祜族" "25" "水族"
  "26" "东乡族" "27" "纳西族" "28" "景颇族" "29" "柯尔克孜族" "30" "土族"
  "31" "达斡尔族" "32" "仫佬族" "33" "羌族" "34" "布朗族" "35" "撒拉族"
  "36" "毛南族" "37" "仡佬族" "38" "锡伯族" "39" "阿昌族" "40" "普米族"
  "41" "塔吉克族" "42" "怒族" "43" "乌孜别克族" "44" "俄罗斯族" "45" "鄂温克族"
  "46" "德昂族" "47" "保安族" "48" "裕固族" "49" "京族"   "50" "塔塔尔族"
  "51" "独龙族" "52" "鄂伦春族" "53" "赫哲族" "54" "门巴族" "55" "珞巴族"
  "56" "基诺族" "97" "未识别民族" "98" "外国人入籍"
}

survey pop_change "人口变动情况抽样调查表" {
  period year
  key district_code, household_no

  field district_code  "调查小区代码"           text pattern "[0-9]{15}" required
  field household_no   "户编号"                 text pattern "[0-9]{3}" required
  field household_type "户别"                   code(household_type) required
  field deaths_count   "上年11月1日以来死亡人数" integer min 0 unit "人" required

  roster persons "本户人员" required {
    field name      "姓名"         text required
    field relation  "与户主关系"   code(relation) when household_type = "1"
    field sex       "性别"         code(sex) required
    field birth     "出生年月"     yearmonth required
    field ethnicity "民族"         code(ethnicity) required
    field id_number "公民身份号码" text length 18 masked
    field marital   "婚姻状况"     code(marital)
  }
}
