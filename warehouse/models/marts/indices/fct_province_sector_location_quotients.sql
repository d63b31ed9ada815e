{#- Grain: province x year x section. LQ = (e_rs / e_r) / (E_s / E) with national totals summed over
    the panel's provinces (var national_totals = 'sum'; macro sector_location_quotients, shared with
    the prefecture model). -#}
{{ agglo_require_national_sum() }}
with

employments as (

    select * from {{ ref('int_province_sector_employments_cleaned') }}
    where employment_10k is not null

),

final as (

    {{ sector_location_quotients('employments', region_key='province_code') }}

)

select * from final
