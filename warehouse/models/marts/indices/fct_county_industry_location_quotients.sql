{#- Grain: county x year x CIC division. Location quotients within Sichuan manufacturing:
    lq_output on output value, lq_employment on employment (totals over the panel's counties and the
    divisions with a value). -#}
with

industries as (

    select * from {{ ref('int_county_industries_harmonised') }}

),

totals as (

    select
        county_code,
        year,
        industry_code,
        output_value_10k_yuan,
        employment_persons,
        sum(output_value_10k_yuan) over (partition by county_code, year) as county_output_10k_yuan,
        sum(output_value_10k_yuan) over (partition by industry_code, year) as industry_output_10k_yuan,
        sum(output_value_10k_yuan) over (partition by year) as total_output_10k_yuan,
        sum(employment_persons) over (partition by county_code, year) as county_employment_persons,
        sum(employment_persons) over (partition by industry_code, year) as industry_employment_persons,
        sum(employment_persons) over (partition by year) as total_employment_persons
    from industries

),

final as (

    select
        -- ids
        county_code,
        year,
        industry_code,
        -- numerics
        output_value_10k_yuan,
        employment_persons,
        {{ location_quotient('output_value_10k_yuan', 'county_output_10k_yuan',
                             'industry_output_10k_yuan', 'total_output_10k_yuan') }} as lq_output,
        {{ location_quotient('employment_persons', 'county_employment_persons',
                             'industry_employment_persons', 'total_employment_persons') }} as lq_employment
    from totals

)

select * from final
