{#- County x year: the issue-3 indices the wide panel fct_county_years joins (one row per county
    of the seed, any province, and panel year): manufacturing LQ, GEM-IN factor scores and score, capital
    stock and Solow TFP. -#}
with

counties as (

    select county_code from {{ ref('counties') }}

),

years as (

    {{ year_spine(var('county_first_year'), var('county_last_year')) }}

),

mfg_lq as (

    select * from {{ ref('int_county_mfg_location_quotients') }}

),

gem as (

    select * from {{ ref('fct_gem_in_scores') }}

),

tfp as (

    select * from {{ ref('fct_county_tfp') }}

),

final as (

    select
        -- ids
        counties.county_code,
        years.year,
        -- numerics
        mfg_lq.mfg_lq,
        gem.gem_g,
        gem.gem_e,
        gem.gem_m,
        gem.gem_in_factor,
        gem.gem_in,
        tfp.capital_stock_10k_yuan,
        tfp.tfp,
        tfp.ln_tfp
    from counties
    cross join years
    left join mfg_lq
        on mfg_lq.county_code = counties.county_code and mfg_lq.year = years.year
    left join gem
        on gem.county_code = counties.county_code and gem.year = years.year
    left join tfp
        on tfp.county_code = counties.county_code and tfp.year = years.year

)

select * from final
