{#- Grain: province x year. Agglomeration indices of paper 002: (x_r / X) / (GDP_r / GDP) for industrial
    enterprises, value added, total assets (capital) and employment; X and GDP summed over the
    provinces that have both values in the year. -#}
{{ agglo_require_national_sum() }}
{%- set measures = {
    'enterprises': 'industrial_enterprises',
    'value_added': 'industrial_value_added_100m_yuan',
    'capital': 'industrial_total_assets_100m_yuan',
    'employment': 'industrial_employment_10k'} -%}
with

indicator_values as (

    select * from {{ ref('int_province_indicators_interpolated') }}
    where value is not null

),

wide as (

    select
        province_code,
        year,
        max(case when indicator_code = 'gdp_100m_yuan' then value end) as gdp_100m_yuan
        {%- for name, code in measures.items() %},
        max(case when indicator_code = '{{ code }}' then value end) as {{ code }}
        {%- endfor %}
    from indicator_values
    group by province_code, year

),

final as (

    select
        -- ids
        province_code,
        year,
        -- numerics
        gdp_100m_yuan
        {%- for name, code in measures.items() %},
        {{ code }}
        {%- endfor %}
        {%- for name, code in measures.items() %},
        {{ location_quotient(code, 'gdp_100m_yuan',
            'sum(case when gdp_100m_yuan is not null then ' ~ code ~ ' end) over (partition by year)',
            'sum(case when ' ~ code ~ ' is not null then gdp_100m_yuan end) over (partition by year)') }}
            as agg_{{ name }}
        {%- endfor %}
    from wide

)

select * from final
