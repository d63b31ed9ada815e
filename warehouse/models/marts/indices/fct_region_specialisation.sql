{#- Grain: level x region x year. Specialisation of each region's industry mix (provinces over
    sections, employment; Sichuan counties over CIC divisions, output value), with v = the region's
    industry shares and S = the industry's share of the level's total. -#}
with

region_values as (

    select * from {{ ref('int_region_industry_values_unioned') }}

),

shares as (

    select
        level,
        region_code,
        year,
        industry_code,
        value / nullif(region_total, 0) as v_share,
        industry_total / nullif(sum(industry_total) over (partition by level, region_code, year), 0) as s_share
    from region_values

),

aggregates as (

    select
        level,
        region_code,
        year,
        count(*) as n_industries,
        {{ herfindahl('v_share') }} as herfindahl,
        {{ hoover('v_share', 's_share') }} as hoover
    from shares
    group by level, region_code, year

),

gini as (

    {{ gini_of_ratios('region_values', ['level', 'region_code', 'year'], 'value', 'industry_total') }}

),

krugman as (

    {{ krugman('region_values', ['level', 'year'], 'region_code', 'industry_code', 'value') }}

),

final as (

    select
        -- ids
        aggregates.level,
        aggregates.region_code,
        aggregates.year,
        -- numerics
        aggregates.n_industries,
        krugman.krugman,
        aggregates.herfindahl,
        {{ herfindahl_normalised('aggregates.herfindahl', 'aggregates.n_industries') }} as herfindahl_normalised,
        gini.gini,
        aggregates.hoover
    from aggregates
    left join gini
        on gini.level = aggregates.level
        and gini.region_code = aggregates.region_code
        and gini.year = aggregates.year
    left join krugman
        on krugman.level = aggregates.level
        and krugman.region_code = aggregates.region_code
        and krugman.year = aggregates.year

)

select * from final
