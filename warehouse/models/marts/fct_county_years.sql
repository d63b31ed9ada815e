{#- Grain: county (current code, any province) x year over the county panel years, for every county
    present in the raw county indicator file (183 Sichuan counties x 12 = 2196 rows on the demo data;
    paper 000's Sichuan panel is the filter province_code = '510000'). -#}
{%- set indicators = indicator_columns() -%}
with

counties as (

    select * from {{ ref('dim_counties') }}

),

indicator_values as (

    select * from {{ ref('int_county_indicators_interpolated') }}

),

years as (

    {{ year_spine(var('county_first_year'), var('county_last_year')) }}

),

indices as (

    select * from {{ ref('int_county_year_indices') }}

),

panel as (

    select panel_units.county_code, years.year
    from (select distinct county_code from indicator_values) as panel_units
    cross join years

),

wide as (

    select
        county_code,
        year,
        {%- for c in indicators %}
        max(case when indicator_code = '{{ c }}' then value end) as {{ c }},
        {%- endfor %}
        cast(sum(case when is_imputed then 1 else 0 end) as integer) as n_imputed_values
    from indicator_values
    group by county_code, year

),

final as (

    select
        ----------  keys and names
        panel.county_code,
        panel.year,
        counties.name_zh,
        counties.county_type,
        counties.prefecture_code,
        counties.prefecture_name_zh,
        counties.province_code,
        counties.sichuan_region,

        ----------  catalog indicators (catalog units)
        {%- for c in indicators %}
        wide.{{ c }},
        {%- endfor %}

        ----------  paper 000 variables
        wide.mfg_enterprises as sc,
        wide.policy_openness_index as op,

        ----------  indices (issue 3; int_county_year_indices)
        indices.mfg_lq,
        indices.gem_g,
        indices.gem_e,
        indices.gem_m,
        indices.gem_in_factor,
        indices.gem_in,
        indices.capital_stock_10k_yuan,
        indices.tfp,
        indices.ln_tfp,

        ----------  provenance
        coalesce(wide.n_imputed_values, 0) as n_imputed_values

    from panel
    inner join counties
        on counties.county_code = panel.county_code
    left join wide
        on wide.county_code = panel.county_code
        and wide.year = panel.year
    left join indices
        on indices.county_code = panel.county_code
        and indices.year = panel.year

)

select * from final
