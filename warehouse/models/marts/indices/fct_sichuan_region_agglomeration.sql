{#- Grain: row x year, the layout of paper 000 table 2: the manufacturing location quotient of each
    of Sichuan's five economic regions, (sum O_R / sum Y_R) / (sum O / sum Y), and the mean and
    sample standard deviation of the county location quotients. On national data, a filter: Sichuan's
    counties (sichuan_region not null) only, with Sichuan's totals. -#}
with

county_lq as (

    select * from {{ ref('int_county_mfg_location_quotients') }}
    where county_code in (select county_code from {{ ref('counties') }} where sichuan_region is not null)

),

counties as (

    select * from {{ ref('counties') }}

),

by_region as (

    select
        counties.sichuan_region as row_code,
        county_lq.year,
        {{ location_quotient('sum(county_lq.mfg_output_10k_yuan)', 'sum(county_lq.gdp_10k_yuan)',
                             'max(totals.mfg_output_10k_yuan)', 'max(totals.gdp_10k_yuan)') }} as value,
        count(*) as n_counties
    from county_lq
    inner join counties
        on counties.county_code = county_lq.county_code
    inner join (
        select year, sum(mfg_output_10k_yuan) as mfg_output_10k_yuan, sum(gdp_10k_yuan) as gdp_10k_yuan
        from county_lq
        group by year
    ) as totals
        on totals.year = county_lq.year
    group by counties.sichuan_region, county_lq.year

),

over_counties as (

    select 'county_mean' as row_code, year, avg(mfg_lq) as value, count(mfg_lq) as n_counties
    from county_lq
    group by year

    union all

    select 'county_sd' as row_code, year, stddev_samp(mfg_lq) as value, count(mfg_lq) as n_counties
    from county_lq
    group by year

),

unioned as (

    select * from by_region
    union all
    select * from over_counties

),

final as (

    select
        -- ids
        row_code,
        case row_code
            when 'chengdu_plain' then 'Chengdu Plain'
            when 'south' then 'South Sichuan'
            when 'northeast' then 'Northeast Sichuan'
            when 'panxi' then 'Panxi (Panzhihua-Xichang)'
            when 'northwest' then 'Northwest Sichuan'
            when 'county_mean' then 'Mean over counties'
            when 'county_sd' then 'Standard deviation over counties'
        end as row_label_en,
        year,
        -- numerics
        value as mfg_lq,
        n_counties
    from unioned

)

select * from final
