{#- Grain: prefecture x year x section. LQ against the totals over all prefectures in the panel. -#}
{{ agglo_require_national_sum() }}
with

employments as (

    select * from {{ ref('int_prefecture_sector_employments_cleaned') }}
    where employment_10k is not null

),

totals as (

    select
        prefecture_code,
        province_code,
        year,
        sector_code,
        employment_10k,
        sum(employment_10k) over (partition by prefecture_code, year) as region_total_10k,
        sum(employment_10k) over (partition by sector_code, year) as sector_total_10k,
        sum(employment_10k) over (partition by year) as national_total_10k
    from employments

),

final as (

    select
        -- ids
        prefecture_code,
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
