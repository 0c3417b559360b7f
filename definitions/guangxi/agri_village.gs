# 村级农业生产情况(附件3:农业统计),年报。所有指标必填,没有的填 0。

survey agri_village "村级农业生产情况" {
  period year
  key division

  field cultivated_land     "耕地面积"             decimal(1) unit "亩" required
  field rice_area           "稻谷播种面积"         decimal(1) unit "亩" required
  field corn_area           "玉米播种面积"         decimal(1) unit "亩" required
  field tuber_area          "薯类播种面积"         decimal(1) unit "亩" required
  field soybean_area        "大豆播种面积"         decimal(1) unit "亩" required
  field other_grain_area    "其他谷物播种面积"     decimal(1) unit "亩" required
  field grain_area          "粮食作物播种面积"     decimal(1) unit "亩" required
  field rice_output         "稻谷产量"             decimal(2) unit "吨" required
  field corn_output         "玉米产量"             decimal(2) unit "吨" required
  field tuber_output        "薯类产量"             decimal(2) unit "吨" required
  field soybean_output      "大豆产量"             decimal(2) unit "吨" required
  field other_grain_output  "其他谷物产量"         decimal(2) unit "吨" required
  field grain_output        "粮食产量"             decimal(2) unit "吨" required
  field sugarcane_area      "甘蔗播种面积"         decimal(1) unit "亩" required
  field sugarcane_output    "甘蔗产量"             decimal(2) unit "吨" required
  field vegetable_area      "蔬菜(含菌类)播种面积" decimal(1) unit "亩" required
  field vegetable_output    "蔬菜(含菌类)产量"     decimal(2) unit "吨" required
  field fruit_area          "园林水果实有面积"     decimal(1) unit "亩" required
  field fruit_output        "园林水果产量"         decimal(2) unit "吨" required
  field hogs_slaughtered    "生猪出栏"             integer unit "头" required
  field hogs_stock          "生猪年末存栏"         integer unit "头" required
  field poultry_slaughtered "家禽出栏"             integer unit "只" required
}

rules for agri_village {
  error AG-E01 "粮食播种面积({grain_area}亩)不等于各品种之和({rice_area + corn_area + tuber_area + soybean_area + other_grain_area}亩)":
    grain_area = rice_area + corn_area + tuber_area + soybean_area + other_grain_area

  error AG-E02 "粮食产量({grain_output}吨)不等于各品种之和({rice_output + corn_output + tuber_output + soybean_output + other_grain_output}吨)":
    grain_output = rice_output + corn_output + tuber_output + soybean_output + other_grain_output

  error AG-E03 "{which(rice_output > 0 and rice_area = 0, \"稻谷\", corn_output > 0 and corn_area = 0, \"玉米\", tuber_output > 0 and tuber_area = 0, \"薯类\", soybean_output > 0 and soybean_area = 0, \"大豆\", other_grain_output > 0 and other_grain_area = 0, \"其他谷物\", sugarcane_output > 0 and sugarcane_area = 0, \"甘蔗\", vegetable_output > 0 and vegetable_area = 0, \"蔬菜\", fruit_output > 0 and fruit_area = 0, \"水果\")}有产量而播种(实有)面积为0,请核实面积或产量":
    not (rice_output > 0 and rice_area = 0)
    and not (corn_output > 0 and corn_area = 0)
    and not (tuber_output > 0 and tuber_area = 0)
    and not (soybean_output > 0 and soybean_area = 0)
    and not (other_grain_output > 0 and other_grain_area = 0)
    and not (sugarcane_output > 0 and sugarcane_area = 0)
    and not (vegetable_output > 0 and vegetable_area = 0)
    and not (fruit_output > 0 and fruit_area = 0)

  error AG-E04 "面积、产量和畜禽数量不能为负数:{which(cultivated_land < 0, \"耕地面积\", rice_area < 0, \"稻谷播种面积\", corn_area < 0, \"玉米播种面积\", tuber_area < 0, \"薯类播种面积\", soybean_area < 0, \"大豆播种面积\", other_grain_area < 0, \"其他谷物播种面积\", grain_area < 0, \"粮食作物播种面积\", rice_output < 0, \"稻谷产量\", corn_output < 0, \"玉米产量\", tuber_output < 0, \"薯类产量\", soybean_output < 0, \"大豆产量\", other_grain_output < 0, \"其他谷物产量\", grain_output < 0, \"粮食产量\", sugarcane_area < 0, \"甘蔗播种面积\", sugarcane_output < 0, \"甘蔗产量\", vegetable_area < 0, \"蔬菜播种面积\", vegetable_output < 0, \"蔬菜产量\", fruit_area < 0, \"园林水果实有面积\", fruit_output < 0, \"园林水果产量\", hogs_slaughtered < 0, \"生猪出栏\", hogs_stock < 0, \"生猪年末存栏\", poultry_slaughtered < 0, \"家禽出栏\")}为负数":
    cultivated_land >= 0
    and rice_area >= 0 and corn_area >= 0 and tuber_area >= 0 and soybean_area >= 0
    and other_grain_area >= 0 and grain_area >= 0
    and rice_output >= 0 and corn_output >= 0 and tuber_output >= 0 and soybean_output >= 0
    and other_grain_output >= 0 and grain_output >= 0
    and sugarcane_area >= 0 and sugarcane_output >= 0
    and vegetable_area >= 0 and vegetable_output >= 0
    and fruit_area >= 0 and fruit_output >= 0
    and hogs_slaughtered >= 0 and hogs_stock >= 0 and poultry_slaughtered >= 0

  warning AG-W01 "稻谷单产{rice_output * 1000 / rice_area}公斤/亩,超出合理范围(250–750),请核实"
    when rice_area > 0:
    rice_output * 1000 / rice_area between 250 and 750

  warning AG-W02 "甘蔗单产{sugarcane_output / sugarcane_area}吨/亩,超出合理范围(3–8),请核实"
    when sugarcane_area > 0:
    sugarcane_output / sugarcane_area between 3 and 8

  warning AG-W03 "粮食、甘蔗、蔬菜播种面积合计{grain_area + sugarcane_area + vegetable_area}亩,超过耕地面积({cultivated_land}亩)的2.5倍,请核实":
    grain_area + sugarcane_area + vegetable_area <= 2.5 * cultivated_land

  warning AG-W04 "粮食产量{grain_output}吨,比上年({prev(grain_output)}吨)增减超过30%,请核实"
    when prev(grain_output) > 0:
    abs(grain_output - prev(grain_output)) <= 0.3 * prev(grain_output)

  warning AG-W05 "生猪出栏{hogs_slaughtered}头,超过年末存栏({hogs_stock}头)的3倍,请核实":
    not (hogs_slaughtered > 100 and hogs_slaughtered > 3 * hogs_stock)
}
