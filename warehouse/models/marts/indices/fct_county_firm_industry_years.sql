{#- Grain: county x year x CIC 4-digit class with firms (optional raw file firms.csv; empty without it).
    Firm counts, employment and output summed over the firm rows, and the employment location quotient
    LQ = (e_ci / e_c) / (E_i / E) with e = firm employment, c = county, i = class, totals over every firm
    row of the year (the firm survey covers the country: national totals). From the cells of
    int_firm_cells_aggregated (the one grouped pass over the firm rows) with window sums. -#}
with

cells as (

    select
        county_code,
        year,
        industry_code,
        n_firms,
        employment as employment_persons,
        output_10k_yuan
    from {{ ref('int_firm_cells_aggregated') }}

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
