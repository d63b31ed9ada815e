{#- Grain: industry level x industry x year. Ellison and Glaeser (1997) gamma from firm-level rows
    (optional raw file firms.csv): plants = firms, regions = counties, x_k = the county's share of the
    employment of all firms in the year. Industries at the CIC 4-digit class ('cic4') and at the
    2-digit division ('cic2'). Empty when there is no firms file. Runs on the (year, class, county)
    cells of int_firm_cells_aggregated (macro eg_gamma_cells: the plant Herfindahl from the cells' sums
    of squares), so the firm rows are read once for every firm-level index. -#}
with

cells as (

    select * from {{ ref('int_firm_cells_aggregated') }}

),

industry_cells as (

    select 'cic4' as industry_level, year, industry_code, county_code, n_firms, employment, employment_squared
    from cells

    union all

    select
        'cic2' as industry_level, year, industry_division_code as industry_code, county_code,
        sum(n_firms) as n_firms, sum(employment) as employment, sum(employment_squared) as employment_squared
    from cells
    group by year, industry_division_code, county_code

),

county_totals as (

    select year, county_code, sum(employment) as employment_all
    from cells
    group by year, county_code

),

regions as (

    select levels.industry_level, county_totals.year, county_totals.county_code, county_totals.employment_all
    from county_totals
    cross join (select 'cic4' as industry_level union all select 'cic2' as industry_level) as levels

),

gamma as (

    {{ eg_gamma_cells('industry_cells', 'regions', ['industry_level', 'year'], 'industry_code', 'county_code',
                      'n_firms', 'employment', 'employment_squared', 'employment_all') }}

),

final as (

    select
        -- ids
        industry_level,
        industry_code,
        year,
        -- numerics
        n_plants,
        n_regions_with_plants,
        g_raw,
        sum_x_squared,
        plant_herfindahl,
        gamma
    from gamma

)

select * from final
