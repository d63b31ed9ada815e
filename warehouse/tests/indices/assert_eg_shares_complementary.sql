{#- Devereux EG inputs: the two sectors' shares of their combined employment sum to 1. -#}
select 'pair' as source, year, sector_code_i as key_1, sector_code_j as key_2, w_i + w_j as w_sum
from {{ ref('fct_industry_pair_coagglomeration') }}
where abs(w_i + w_j - 1) > 1e-9
union all
select 'province', year, province_code, null, w_mfg + w_ps
from {{ ref('fct_province_eg_coagglomeration') }}
where abs(w_mfg + w_ps - 1) > 1e-9
