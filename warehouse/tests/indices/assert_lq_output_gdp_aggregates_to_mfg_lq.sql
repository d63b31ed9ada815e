{#- Identity: the division output LQ against GDP aggregates to the county manufacturing LQ.
    With lq_output_gdp_cd = (o_cd / Y_c) / (O_d / Y) and O = sum_d O_d over the same counties,
    sum_d (O_d / O) lq_output_gdp_cd = (sum_d o_cd / Y_c) (Y / O) = (O_c / Y_c) / (O / Y) = mfg_lq_c
    (int_county_mfg_location_quotients, paper 000 table 2); all totals within the county's province. Fails with the offending county-years. -#}
with

lq as (

    select * from {{ ref('fct_county_industry_location_quotients') }}
    where lq_output_gdp is not null

),

division_weights as (

    select
        county_code,
        year,
        industry_code,
        lq_output_gdp,
        sum(output_value_10k_yuan) over (partition by substr(county_code, 1, 2), industry_code, year)
            / sum(output_value_10k_yuan) over (partition by substr(county_code, 1, 2), year) as division_weight
    from lq

),

aggregated as (

    select county_code, year, sum(division_weight * lq_output_gdp) as mfg_lq_from_divisions
    from division_weights
    group by county_code, year

),

county as (

    select * from {{ ref('int_county_mfg_location_quotients') }}

),

compared as (

    select
        aggregated.county_code,
        aggregated.year,
        aggregated.mfg_lq_from_divisions,
        county.mfg_lq
    from aggregated
    full outer join county
        on county.county_code = aggregated.county_code
        and county.year = aggregated.year

)

select * from compared
where mfg_lq is null
    or mfg_lq_from_divisions is null
    or abs(mfg_lq_from_divisions - mfg_lq) > 1e-9 * greatest(1, abs(mfg_lq))
