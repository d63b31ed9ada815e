{#- Province x year x indicator: the 21 advanced-manufacturing indicators of paper 001 (catalog
    dimensions amt, amm, amw, gam, ame), transformed as the catalog says (transform 'log' = natural log,
    before normalisation) and min-max normalised by direction (paper 001 eq. 11-12).
    var entropy_normalisation: 'pooled' (default; min and max over the whole province-year panel) or
    'per_year' (within each year). weight_year is null when pooled and the year when per-year: the
    entropy weights are computed within each weight_year. -#}
{%- set mode = var('entropy_normalisation', 'pooled') -%}
{%- if mode not in ['pooled', 'per_year'] -%}
    {{ exceptions.raise_compiler_error("var entropy_normalisation must be 'pooled' or 'per_year', got '" ~ mode ~ "'") }}
{%- endif -%}
with

indicator_values as (

    select * from {{ ref('int_province_indicators_interpolated') }}

),

catalog as (

    select * from {{ ref('indicator_catalog') }}
    where level = 'province' and dimension in ('amt', 'amm', 'amw', 'gam', 'ame')

),

transformed as (

    select
        indicator_values.province_code,
        indicator_values.year,
        indicator_values.indicator_code,
        catalog.dimension,
        catalog.direction,
        catalog.transform,
        indicator_values.value,
        case
            when catalog.transform = 'log' then
                case when indicator_values.value > 0 then ln(indicator_values.value) end
            else cast(indicator_values.value as double)
        end as transformed_value,
        {% if mode == 'pooled' %}cast(null as integer){% else %}indicator_values.year{% endif %} as weight_year
    from indicator_values
    inner join catalog
        on catalog.indicator_code = indicator_values.indicator_code
    where indicator_values.value is not null

),

final as (

    select
        province_code,
        year,
        indicator_code,
        dimension,
        direction,
        transform,
        weight_year,
        value,
        transformed_value,
        {{ minmax_normalise('transformed_value', 'direction', ['indicator_code', 'weight_year']) }} as normalised_value
    from transformed
    where transformed_value is not null

)

select * from final
