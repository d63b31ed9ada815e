{#- Province x year: the issue-3 indices the wide panel fct_province_years joins (one row per
    province and panel year for every province of the seed; null where an index is undefined).
    magglo / psagglo = group location quotients of manufacturing and productive services (paper 001
    eq. 18-19), coagglo = eq. 20, maggl = magglo (paper 004's name), eg = Devereux EG over the
    province's prefectures, ami..ame = entropy composites, agg_* = paper 002 indices. -#}
with

provinces as (

    select province_code from {{ ref('provinces') }}

),

years as (

    {{ year_spine(var('province_first_year'), var('province_last_year')) }}

),

groups as (

    select * from {{ ref('int_province_group_employments_aggregated') }}

),

group_lq as (

    select
        province_code,
        year,
        {{ location_quotient('mfg_employment_10k', 'total_employment_10k',
            'sum(case when mfg_employment_10k is not null then mfg_employment_10k end) over (partition by year)',
            'sum(case when mfg_employment_10k is not null then total_employment_10k end) over (partition by year)') }}
            as magglo,
        {{ location_quotient('ps_employment_10k', 'total_employment_10k',
            'sum(case when ps_employment_10k is not null then ps_employment_10k end) over (partition by year)',
            'sum(case when ps_employment_10k is not null then total_employment_10k end) over (partition by year)') }}
            as psagglo
    from groups

),

eg as (

    select * from {{ ref('fct_province_eg_coagglomeration') }}

),

ami as (

    select * from {{ ref('fct_ami_scores') }}

),

agg as (

    select * from {{ ref('fct_province_agglomeration_indices') }}

),

final as (

    select
        -- ids
        provinces.province_code,
        years.year,
        -- numerics
        group_lq.magglo,
        group_lq.psagglo,
        {{ coagglomeration('group_lq.magglo', 'group_lq.psagglo') }} as coagglo,
        group_lq.magglo as maggl,
        eg.eg,
        ami.ami,
        ami.amt,
        ami.amm,
        ami.amw,
        ami.gam,
        ami.ame,
        agg.agg_enterprises,
        agg.agg_value_added,
        agg.agg_capital,
        agg.agg_employment
    from provinces
    cross join years
    left join group_lq
        on group_lq.province_code = provinces.province_code and group_lq.year = years.year
    left join eg
        on eg.province_code = provinces.province_code and eg.year = years.year
    left join ami
        on ami.province_code = provinces.province_code and ami.year = years.year
    left join agg
        on agg.province_code = provinces.province_code and agg.year = years.year

)

select * from final
