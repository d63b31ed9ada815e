{{ config(materialized='table') }}
{#- Year x CIC 4-digit class x county cells of the firm rows (optional raw file firms.csv; empty without
    it): number of firms, employment, sum of squared firm employment (for the plant Herfindahl) and
    output. The one pass over the firm rows that the firm-level marts (fct_industry_eg_gamma,
    fct_industry_firm_concentration, fct_county_firm_industry_years) share: at national scale the
    millions of firm rows are grouped once, and every index runs on the occupied cells. Firms without
    employment or without a resolved county are left out. -#}
with

firms as (

    select * from {{ ref('int_firms_cleaned') }}
    where employment is not null and county_code is not null

),

final as (

    select
        -- ids
        year,
        industry_code,
        industry_division_code,
        county_code,
        -- numerics
        count(*) as n_firms,
        sum(cast(employment as double precision)) as employment,
        sum(cast(employment as double precision) * employment) as employment_squared,
        sum(cast(output_10k_yuan as double precision)) as output_10k_yuan
    from firms
    group by year, industry_code, industry_division_code, county_code

)

select * from final
