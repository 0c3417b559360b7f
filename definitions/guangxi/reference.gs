# 参照数据:区划代码树、国民经济行业分类,以及各调查表共用的代码表。
# 文件路径相对于本目录。数据来源见 data/SOURCES.md。

reference divisions "广西统计用区划代码(2023)" {
  file "data/guangxi_divisions.csv"
  code "code"
  label "name"
  level "level"
  parent "parent_code"
  divisions          # 这是引擎唯一的区划树
}

reference industry "国民经济行业分类(GB/T 4754-2017)" {
  file "data/industry_gbt4754_2017.csv"
  code "code"
  label "name"
  level "level"
  parent "parent"
}
