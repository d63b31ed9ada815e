{#- Grain: Sichuan county x year x CIC manufacturing division with data. Carries the county-year
    regressors of paper 000 tables 4-5 (TFP, enterprise scale, policy openness, controls, the county
    manufacturing LQ) from the sources of fct_county_years, and the division's high-tech flag, so that
    the system-GMM specs can run on the county x division panel (entity: county_industry_key). -#}
with

harmonised as (

    select * from {{ ref('int_county_industries_harmonised') }}

),

indices as (

    select * from {{ ref('int_county_industry_year_indices') }}

),

county_indices as (

    select * from {{ ref('int_county_year_indices') }}

),

county_indicators as (

    select * from {{ ref('int_county_indicators_interpolated') }}
    where indicator_code in (
        'gdp_10k_yuan', 'labor_force_10k', 'higher_edu_share_pct', 'population_10k',
        'mfg_enterprises', 'policy_openness_index'
    )

),

divisions as (

    select * from {{ ref('cic_divisions') }}

),

county_wide as (

    select
        county_code,
        year,
        max(case when indicator_code = 'gdp_10k_yuan' then value end) as gdp_10k_yuan,
        max(case when indicator_code = 'labor_force_10k' then value end) as labor_force_10k,
        max(case when indicator_code = 'higher_edu_share_pct' then value end) as higher_edu_share_pct,
        max(case when indicator_code = 'population_10k' then value end) as population_10k,
        max(case when indicator_code = 'mfg_enterprises' then value end) as sc,
        max(case when indicator_code = 'policy_openness_index' then value end) as op
    from county_indicators
    group by county_code, year

),

final as (

    select
        ----------  keys
        harmonised.county_code,
        harmonised.year,
        harmonised.industry_code,
        {{ dbt.concat(["harmonised.county_code", "'-'", "harmonised.industry_code"]) }} as county_industry_key,
        divisions.is_high_tech,

        ----------  county_industry values
        harmonised.enterprises,
        harmonised.output_value_10k_yuan,
        harmonised.value_added_10k_yuan,
        harmonised.employment_persons,
        harmonised.total_assets_10k_yuan,
        harmonised.is_imputed,
        harmonised.source,

        ----------  indices (issue 3; int_county_industry_year_indices)
        indices.lq_output,
        indices.lq_employment,
        indices.lq_output_gdp,

        ----------  county-year regressors (as in fct_county_years)
        county_indices.tfp,
        county_indices.ln_tfp,
        county_wide.sc,
        county_wide.op,
        county_wide.gdp_10k_yuan,
        county_wide.labor_force_10k,
        county_wide.higher_edu_share_pct,
        county_wide.population_10k,
        county_indices.mfg_lq

    from harmonised
    left join indices
        on indices.county_code = harmonised.county_code
        and indices.year = harmonised.year
        and indices.industry_code = harmonised.industry_code
    left join county_indices
        on county_indices.county_code = harmonised.county_code
        and county_indices.year = harmonised.year
    left join county_wide
        on county_wide.county_code = harmonised.county_code
        and county_wide.year = harmonised.year
    left join divisions
        on divisions.industry_code = harmonised.industry_code

)

select * from final
