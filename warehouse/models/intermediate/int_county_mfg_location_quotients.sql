{#- County x year manufacturing location quotient within the county's province (paper 000 table 2,
    where the province is Sichuan): mfg_lq = (O_c / Y_c) / (sum O / sum Y), O = manufacturing output
    value (sum over CIC divisions), Y = GDP, sums over the counties of the same province (first two
    digits of the current code) with both values in the year. On national data, Sichuan's values are
    therefore those of a Sichuan-only panel (paper 000 is a filter, not a different index). -#}
with

industries as (

    select * from {{ ref('int_county_industries_harmonised') }}

),

indicator_values as (

    select * from {{ ref('int_county_indicators_interpolated') }}
    where indicator_code = 'gdp_10k_yuan' and value is not null

),

output as (

    select county_code, year, sum(output_value_10k_yuan) as mfg_output_10k_yuan
    from industries
    where output_value_10k_yuan is not null
    group by county_code, year

),

joined as (

    select
        output.county_code,
        output.year,
        output.mfg_output_10k_yuan,
        cast(indicator_values.value as double precision) as gdp_10k_yuan,
        substr(output.county_code, 1, 2) as province_prefix
    from output
    inner join indicator_values
        on indicator_values.county_code = output.county_code
        and indicator_values.year = output.year

),

final as (

    select
        county_code,
        year,
        mfg_output_10k_yuan,
        gdp_10k_yuan,
        {{ location_quotient('mfg_output_10k_yuan', 'gdp_10k_yuan',
                             'sum(mfg_output_10k_yuan) over (partition by province_prefix, year)',
                             'sum(gdp_10k_yuan) over (partition by province_prefix, year)') }} as mfg_lq
    from joined

)

select * from final
