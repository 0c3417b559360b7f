# 层级与角色。层级就是区划树的级别;用户与网格写在组织文件(YAML)里。

tier region   "自治区" level 1
tier city     "市"     level 2
tier county   "县(区)" level 3
tier township "乡镇(街道)" level 4
tier village  "村(社区)" level 5

role coordinator           "村级统计协管员" at village
role grid_worker           "网格员"         at grid
role township_statistician "乡镇统计员"     at township
role county_statistician   "县级统计员"     at county
role city_statistician     "市级统计员"     at city
role region_statistician   "自治区统计员"   at region
