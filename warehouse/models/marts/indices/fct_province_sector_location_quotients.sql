{#- Grain: province x year x section. LQ = (e_rs / e_r) / (E_s / E) with national totals summed over
    the panel's provinces (var national_totals = 'sum'). -#}
{{ agglo_require_national_sum() }}
with

employments as (

    select * from {{ ref('int_province_sector_employments_cleaned') }}
    where employment_10k is not null

),

totals as (

    select
        province_code,
        year,
        sector_code,
        employment_10k,
        sum(employment_10k) over (partition by province_code, year) as region_total_10k,
        sum(employment_10k) over (partition by sector_code, year) as sector_total_10k,
        sum(employment_10k) over (partition by year) as national_total_10k
    from employments

),

final as (

    select
        -- ids
        province_code,
        year,
        sector_code,
        -- numerics
        employment_10k,
        region_total_10k,
        sector_total_10k,
        national_total_10k,
        {{ location_quotient('employment_10k', 'region_total_10k', 'sector_total_10k', 'national_total_10k') }}
            as location_quotient
    from totals

)

select * from final
