{#- Grain: prefecture x year x section. LQ against the totals over all prefectures in the panel
    (macro sector_location_quotients, shared with the province model). -#}
{{ agglo_require_national_sum() }}
with

employments as (

    select * from {{ ref('int_prefecture_sector_employments_cleaned') }}
    where employment_10k is not null

),

final as (

    {{ sector_location_quotients('employments', region_key='prefecture_code', carried_columns=['province_code']) }}

)

select * from final
