{#- Grain: industry level x industry x year, from the firm rows (optional raw file firms.csv; empty
    without it): the locational (Lorenz) Gini of the industry's firm employment across counties against
    all firms' employment (Krugman 1991; the macro locational_gini's definition), at the CIC 4-digit
    class ('cic4') and the 2-digit division ('cic2').
      G = 1 - sum_k x_k (2 S_k - s_k), counties sorted by s_k / x_k ascending, S the cumulative s,
    s_k = county k's share of the industry, x_k = its share of all firm employment in the year.
    Counties without the industry have s_k = 0, sort first and add x_k (2 * 0 - 0) = 0, so the sum runs
    over the occupied county cells only (one pass, no industry x county grid); x_k keeps the shares of
    all counties. Runs on the cells of int_firm_cells_aggregated. -#}
with

firm_cells as (

    select * from {{ ref('int_firm_cells_aggregated') }}

),

cells as (

    select 'cic4' as industry_level, year, industry_code, county_code, employment
    from firm_cells

    union all

    select 'cic2' as industry_level, year, industry_division_code as industry_code, county_code,
        sum(employment) as employment
    from firm_cells
    group by year, industry_division_code, county_code

),

county_shares as (

    select
        year,
        county_code,
        sum(employment) / nullif(sum(sum(employment)) over (partition by year), 0) as x_share
    from firm_cells
    group by year, county_code

),

industry_totals as (

    select industry_level, year, industry_code, sum(employment) as employment_industry
    from cells
    group by industry_level, year, industry_code

),

shares as (

    {#- s_k as a ratio to the joined industry total (a window sum over the 1.7 million cells of a
        national build is several times slower in DuckDB; same numbers) -#}
    select
        cells.industry_level,
        cells.year,
        cells.industry_code,
        cells.employment / nullif(industry_totals.employment_industry, 0) as s_share,
        county_shares.x_share
    from cells
    inner join industry_totals
        on industry_totals.industry_level = cells.industry_level
        and industry_totals.year = cells.year
        and industry_totals.industry_code = cells.industry_code
    inner join county_shares
        on county_shares.year = cells.year
        and county_shares.county_code = cells.county_code

),

lorenz as (

    select
        industry_level,
        year,
        industry_code,
        s_share,
        x_share,
        sum(s_share) over (
            partition by industry_level, year, industry_code order by s_share / nullif(x_share, 0)
            rows between unbounded preceding and current row) as cum_s
    from shares

),

final as (

    select
        -- ids
        industry_level,
        industry_code,
        year,
        -- numerics
        count(*) as n_counties_with_firms,
        1 - sum(x_share * (2 * cum_s - s_share)) as locational_gini
    from lorenz
    group by industry_level, industry_code, year

)

select * from final
