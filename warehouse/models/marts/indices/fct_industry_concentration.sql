{#- Grain: level x industry x year. Geographic concentration of each industry over the regions of its
    level (provinces: sections, employment; Sichuan counties: CIC divisions, output value), with
    s_r = the region's share of the industry and x_r = the region's share of all industries. -#}
with

region_values as (

    select * from {{ ref('int_region_industry_values_unioned') }}

),

shares as (

    select
        level,
        industry_code,
        year,
        region_code,
        value / nullif(sum(value) over (partition by level, industry_code, year), 0) as s_share,
        region_total / nullif(sum(region_total) over (partition by level, industry_code, year), 0) as x_share
    from region_values

),

aggregates as (

    select
        level,
        industry_code,
        year,
        count(*) as n_regions,
        {{ herfindahl('s_share') }} as herfindahl,
        {{ hoover('s_share', 'x_share') }} as hoover,
        {{ theil('s_share', 'x_share', 'T') }} as theil_t,
        {{ theil('s_share', 'x_share', 'L') }} as theil_l
    from shares
    group by level, industry_code, year

),

gini as (

    {{ gini_of_ratios('region_values', ['level', 'industry_code', 'year'], 'value', 'region_total') }}

),

lorenz as (

    {{ locational_gini('region_values', ['level', 'industry_code', 'year'], 'value', 'region_total') }}

),

krugman as (

    {{ krugman('region_values', ['level', 'year'], 'industry_code', 'region_code', 'value') }}

),

final as (

    select
        -- ids
        aggregates.level,
        aggregates.industry_code,
        aggregates.year,
        -- numerics
        aggregates.n_regions,
        gini.gini,
        lorenz.locational_gini,
        aggregates.herfindahl,
        {{ herfindahl_normalised('aggregates.herfindahl', 'aggregates.n_regions') }} as herfindahl_normalised,
        aggregates.hoover,
        aggregates.theil_t,
        aggregates.theil_l,
        krugman.krugman
    from aggregates
    left join gini
        on gini.level = aggregates.level
        and gini.industry_code = aggregates.industry_code
        and gini.year = aggregates.year
    left join lorenz
        on lorenz.level = aggregates.level
        and lorenz.industry_code = aggregates.industry_code
        and lorenz.year = aggregates.year
    left join krugman
        on krugman.level = aggregates.level
        and krugman.industry_code = aggregates.industry_code
        and krugman.year = aggregates.year

)

select * from final
