{% macro sector_location_quotients(employments, region_key, carried_columns=[]) -%}
{#- Region x year x section location quotients, LQ = (e_rs / e_r) / (E_s / E) (`location_quotient`),
    with the region, sector and national totals of each year summed over the rows of `employments`
    (national totals = sum over the panel's regions, DESIGN.md 5). Columns: <region_key>,
    <carried_columns>, year, sector_code, employment_10k, region_total_10k, sector_total_10k,
    national_total_10k, location_quotient.

    Arguments
    ---------
    employments : str       CTE with region_key, carried_columns, year, sector_code, employment_10k
                            (rows with a null employment already removed)
    region_key : str        region key column, e.g. 'province_code'
    carried_columns : list  attributes of a region carried to the output after the key, e.g.
                            ['province_code'] for prefectures (default none)
-#}
with totals as (

    select
        {{ region_key }},
        {%- for c in carried_columns %}
        {{ c }},
        {%- endfor %}
        year,
        sector_code,
        employment_10k,
        sum(employment_10k) over (partition by {{ region_key }}, year) as region_total_10k,
        sum(employment_10k) over (partition by sector_code, year) as sector_total_10k,
        sum(employment_10k) over (partition by year) as national_total_10k
    from {{ employments }}

)

select
    -- ids
    {{ region_key }},
    {%- for c in carried_columns %}
    {{ c }},
    {%- endfor %}
    year,
    sector_code,
    -- numerics
    employment_10k,
    region_total_10k,
    sector_total_10k,
    national_total_10k,
    {{ location_quotient('employment_10k', 'region_total_10k', 'sector_total_10k', 'national_total_10k') }}
        as location_quotient
from totals
{%- endmacro %}
