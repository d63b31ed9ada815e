{#- Grain: county x year. GEM-IN cluster score of paper 000 table 1. Each indicator of the catalog
    dimensions gem_g, gem_e, gem_m, gem_in is min-max normalised by direction (var
    gem_in_normalisation: 'pooled' over the county-year panel, the default, or 'per_year'); a factor
    score is 2 + 18 * the mean of its normalised indicators (null when one is missing), and
    GEM-IN = 2.5 * (G * E * M * IN)^(2/4). The normalisation runs within each province (first two
    digits of the county code), so that on national data Sichuan's scores (paper 000) equal those of
    a Sichuan-only panel. -#}
{%- set mode = var('gem_in_normalisation', 'pooled') -%}
{%- if mode not in ['pooled', 'per_year'] -%}
    {{ exceptions.raise_compiler_error("var gem_in_normalisation must be 'pooled' or 'per_year', got '" ~ mode ~ "'") }}
{%- endif -%}
{%- set factors = ['gem_g', 'gem_e', 'gem_m', 'gem_in'] -%}
with

indicator_values as (

    select * from {{ ref('int_county_indicators_interpolated') }}
    where value is not null

),

catalog as (

    select * from {{ ref('indicator_catalog') }}
    where level = 'county' and dimension in ('gem_g', 'gem_e', 'gem_m', 'gem_in')

),

factor_sizes as (

    select dimension, count(*) as n_indicators from catalog group by dimension

),

normalised as (

    select
        indicator_values.county_code,
        indicator_values.year,
        catalog.dimension,
        {{ minmax_normalise('indicator_values.value', 'catalog.direction',
                            ['indicator_values.indicator_code', 'substr(indicator_values.county_code, 1, 2)']
                            + (['indicator_values.year'] if mode == 'per_year' else [])) }}
            as normalised_value
    from indicator_values
    inner join catalog
        on catalog.indicator_code = indicator_values.indicator_code

),

factor_scores as (

    select
        normalised.county_code,
        normalised.year,
        normalised.dimension,
        case when count(normalised.normalised_value) = max(factor_sizes.n_indicators)
             then {{ gem_factor_score('avg(normalised.normalised_value)') }} end as factor_score
    from normalised
    inner join factor_sizes
        on factor_sizes.dimension = normalised.dimension
    group by normalised.county_code, normalised.year, normalised.dimension

),

pivoted as (

    select
        county_code,
        year
        {%- for f in factors %},
        max(case when dimension = '{{ f }}' then factor_score end) as {{ f }}_score
        {%- endfor %}
    from factor_scores
    group by county_code, year

),

final as (

    select
        -- ids
        county_code,
        year,
        -- numerics
        gem_g_score as gem_g,
        gem_e_score as gem_e,
        gem_m_score as gem_m,
        gem_in_score as gem_in_factor,
        {{ gem_in_score('gem_g_score', 'gem_e_score', 'gem_m_score', 'gem_in_score') }} as gem_in
    from pivoted

)

select * from final
