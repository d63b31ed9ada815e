{#- Grain: county x year. Solow-residual TFP of paper 000 with perpetual-inventory capital.
    Y = gdp_10k_yuan (current prices: no county GDP deflator is in the catalog, so ln TFP also moves
    with the price level), L = labor_force_10k, I = fixed_asset_investment_10k_yuan deflated by
    investment_price_index (2011 = 100). K_t = (1 - delta) K_{t-1} + I_t, K_0 = I_0 / (g + delta).
    var tfp_delta (default 0.096); var tfp_alpha: a number (default 0.4) or 'estimated' = the
    within (county fixed-effects) slope of ln(Y/L) on ln(K/L). -#}
{%- set delta = var('tfp_delta', 0.096) -%}
{%- set alpha_var = var('tfp_alpha', 0.4) -%}
with

indicator_values as (

    select * from {{ ref('int_county_indicators_interpolated') }}
    where indicator_code in ('gdp_10k_yuan', 'labor_force_10k', 'fixed_asset_investment_10k_yuan',
                             'investment_price_index')

),

county_years as (

    select
        county_code,
        year,
        max(case when indicator_code = 'gdp_10k_yuan' then value end) as gdp_10k_yuan,
        max(case when indicator_code = 'labor_force_10k' then value end) as labor_force_10k,
        max(case when indicator_code = 'fixed_asset_investment_10k_yuan' then value end)
            / nullif(max(case when indicator_code = 'investment_price_index' then value end) / 100.0, 0)
            as investment_real_10k_yuan
    from indicator_values
    group by county_code, year

),

capital as (

    {{ perpetual_inventory('county_years', 'county_code', 'year', 'investment_real_10k_yuan', delta) }}

),

inputs as (

    select
        county_years.county_code,
        county_years.year,
        county_years.gdp_10k_yuan,
        county_years.labor_force_10k,
        county_years.investment_real_10k_yuan,
        capital.investment_growth,
        capital.capital as capital_stock_10k_yuan,
        case when county_years.gdp_10k_yuan > 0 and county_years.labor_force_10k > 0
                  and capital.capital > 0
             then ln(county_years.gdp_10k_yuan / county_years.labor_force_10k) end as ln_y_per_l,
        case when county_years.labor_force_10k > 0 and capital.capital > 0
             then ln(capital.capital / county_years.labor_force_10k) end as ln_k_per_l
    from county_years
    left join capital
        on capital.county_code = county_years.county_code
        and capital.year = county_years.year

),

alpha as (

    {% if alpha_var == 'estimated' -%}
    select slope as alpha from ({{ fe_slope('inputs', 'county_code', 'ln_y_per_l', 'ln_k_per_l') }}) as fe
    {%- else -%}
    select cast({{ alpha_var | float }} as double) as alpha
    {%- endif %}

),

final as (

    select
        -- ids
        inputs.county_code,
        inputs.year,
        -- numerics
        inputs.gdp_10k_yuan,
        inputs.labor_force_10k,
        inputs.investment_real_10k_yuan,
        inputs.investment_growth,
        inputs.capital_stock_10k_yuan,
        alpha.alpha,
        cast({{ delta }} as double) as delta,
        {{ solow_ln_tfp('inputs.gdp_10k_yuan', 'inputs.capital_stock_10k_yuan', 'inputs.labor_force_10k', 'alpha.alpha') }}
            as ln_tfp,
        exp({{ solow_ln_tfp('inputs.gdp_10k_yuan', 'inputs.capital_stock_10k_yuan', 'inputs.labor_force_10k', 'alpha.alpha') }})
            as tfp
    from inputs
    cross join alpha

)

select * from final
