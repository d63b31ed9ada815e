{#- Grain: province x year over the panel years, for every province present in the raw indicator or
    sector employment files (31 x 19 = 589 rows on the demo data). -#}
{%- set indicators = indicator_columns() -%}
with

provinces as (

    select * from {{ ref('dim_provinces') }}

),

indicator_values as (

    select * from {{ ref('int_province_indicators_interpolated') }}

),

employments as (

    select * from {{ ref('int_province_sector_employments_cleaned') }}

),

sectors as (

    select * from {{ ref('sectors') }}

),

indices as (

    select * from {{ ref('int_province_year_indices') }}

),

years as (

    {{ year_spine(var('province_first_year'), var('province_last_year')) }}

),

panel_units as (

    select province_code from indicator_values
    union
    select province_code from employments

),

panel as (

    select panel_units.province_code, years.year
    from panel_units
    cross join years

),

wide as (

    select
        province_code,
        year,
        {%- for c in indicators %}
        max(case when indicator_code = '{{ c }}' then value end) as {{ c }},
        {%- endfor %}
        cast(sum(case when is_imputed then 1 else 0 end) as integer) as n_imputed_values
    from indicator_values
    group by province_code, year

),

section_counts as (

    select
        sum(case when in_employment_yearbook then 1 else 0 end) as n_yearbook_sections,
        sum(case when is_productive_service then 1 else 0 end) as n_productive_services
    from sectors

),

employment as (

    select
        employments.province_code,
        employments.year,
        sum(case when sectors.in_employment_yearbook then employments.employment_10k end)
            as employment_total_10k,
        count(distinct case when sectors.in_employment_yearbook then employments.sector_code end)
            as n_yearbook_sections,
        sum(case when sectors.is_manufacturing then employments.employment_10k end)
            as mfg_employment_10k,
        sum(case when sectors.is_productive_service then employments.employment_10k end)
            as ps_employment_10k,
        count(distinct case when sectors.is_productive_service then employments.sector_code end)
            as n_productive_services
    from employments
    inner join sectors
        on sectors.sector_code = employments.sector_code
    group by employments.province_code, employments.year

),

final as (

    select
        ----------  keys and names
        panel.province_code,
        panel.year,
        provinces.name_zh,
        provinces.name_en,
        provinces.region_nbs4,
        provinces.region_p004,
        provinces.has_national_adv_mfg_cluster,

        ----------  catalog indicators (catalog units)
        {%- for c in indicators %}
        wide.{{ c }},
        {%- endfor %}

        ----------  paper 001 variables
        {{ safe_ln('wide.gdp_per_capita_yuan') }} as pdgp,
        {{ safe_ln('10000 * wide.fdi_10k_usd') }} as fdi,
        wide.avg_schooling_years as hcl,
        {{ safe_ln('1e8 * wide.fiscal_expenditure_100m_yuan') }} as gov,
        {{ safe_ln('1e8 * wide.fixed_asset_investment_100m_yuan') }} as inv,
        wide.secondary_industry_share_pct as str,
        {{ safe_ln('1e8 * wide.postal_telecom_volume_100m_yuan') }} as inf,
        wide.invention_patents_granted_10k as uic,
        wide.robot_imports_musd as mi,
        wide.icc_pct as icc,
        wide.mfg_innovation_centers as center,

        ----------  paper 004 variables
        wide.patents_granted as pat,
        wide.gdp_per_capita_yuan as pgdp,
        {{ safe_divide('wide.fiscal_expenditure_100m_yuan', 'wide.gdp_100m_yuan') }} as gov_gdp_ratio,
        wide.urbanisation_rate_pct / 100.0 as urb,
        {{ safe_divide('wide.imports_exports_100m_yuan', 'wide.gdp_100m_yuan') }} as open,

        ----------  paper 002 variable
        wide.gdp_growth_pct as growth,

        ----------  employment (10k persons)
        case
            when employment.n_yearbook_sections = section_counts.n_yearbook_sections
                then employment.employment_total_10k
        end as employment_total_10k,
        employment.mfg_employment_10k,
        case
            when employment.n_productive_services = section_counts.n_productive_services
                then employment.ps_employment_10k
        end as ps_employment_10k,

        ----------  indices (issue 3; int_province_year_indices)
        indices.magglo,
        indices.psagglo,
        indices.coagglo,
        indices.maggl,
        indices.eg,
        indices.ami,
        indices.amt,
        indices.amm,
        indices.amw,
        indices.gam,
        indices.ame,
        indices.agg_enterprises,
        indices.agg_value_added,
        indices.agg_capital,
        indices.agg_employment,

        ----------  provenance
        coalesce(wide.n_imputed_values, 0) as n_imputed_values

    from panel
    cross join section_counts
    inner join provinces
        on provinces.province_code = panel.province_code
    left join wide
        on wide.province_code = panel.province_code
        and wide.year = panel.year
    left join employment
        on employment.province_code = panel.province_code
        and employment.year = panel.year
    left join indices
        on indices.province_code = panel.province_code
        and indices.year = panel.year

)

select * from final
