{#- Grain: county x year x CIC 4-digit class with firms (optional raw file firms.csv; empty without it).
    Firm counts, employment and output summed over the firm rows, and the employment location quotient
    LQ = (e_ci / e_c) / (E_i / E) with e = firm employment, c = county, i = class, totals over every firm
    row of the year (the firm survey covers the country: national totals). One grouped pass over the
    firm rows plus window sums over the occupied cells. -#}
with

firms as (

    select * from {{ ref('int_firms_cleaned') }}
    where employment is not null and county_code is not null

),

cells as (

    select
        county_code,
        year,
        industry_code,
        count(*) as n_firms,
        sum(cast(employment as double precision)) as employment_persons,
        sum(cast(output_10k_yuan as double precision)) as output_10k_yuan
    from firms
    group by county_code, year, industry_code

),

final as (

    select
        -- ids
        county_code,
        year,
        industry_code,
        substr(industry_code, 1, 2) as industry_division_code,
        -- numerics
        n_firms,
        employment_persons,
        output_10k_yuan,
        {{ location_quotient('employment_persons',
                             'sum(employment_persons) over (partition by county_code, year)',
                             'sum(employment_persons) over (partition by industry_code, year)',
                             'sum(employment_persons) over (partition by year)') }} as lq_employment
    from cells

)

select * from final
