{#- Solow residual (paper 000): ln TFP = ln Y - alpha ln K - (1 - alpha) ln L. -#}
{% macro solow_ln_tfp(output, capital, labour, alpha) -%}
    {{ return(adapter.dispatch('solow_ln_tfp', 'agglo')(output, capital, labour, alpha)) }}
{%- endmacro %}

{% macro default__solow_ln_tfp(output, capital, labour, alpha) -%}
    (ln(nullif({{ output }}, 0)) - ({{ alpha }}) * ln(nullif({{ capital }}, 0))
        - (1 - ({{ alpha }})) * ln(nullif({{ labour }}, 0)))
{%- endmacro %}

{#- Within (fixed-effects) OLS slope of y on x with one intercept per group, from within-demeaned
    moments: b = sum (x - xbar_g)(y - ybar_g) / sum (x - xbar_g)^2. Used to estimate the capital
    elasticity alpha from ln(Y/L) = alpha ln(K/L) + mu_i + e. One row: slope, n_obs. -#}
{% macro fe_slope(relation, group, y, x) -%}
    {{ return(adapter.dispatch('fe_slope', 'agglo')(relation, group, y, x)) }}
{%- endmacro %}

{% macro default__fe_slope(relation, group, y, x) -%}
select
    sum((fe_x - fe_xbar) * (fe_y - fe_ybar)) / nullif(sum((fe_x - fe_xbar) * (fe_x - fe_xbar)), 0) as slope,
    count(*) as n_obs
from (
    select
        cast({{ x }} as double) as fe_x,
        cast({{ y }} as double) as fe_y,
        avg(cast({{ x }} as double)) over (partition by {{ group }}) as fe_xbar,
        avg(cast({{ y }} as double)) over (partition by {{ group }}) as fe_ybar
    from {{ relation }}
    where {{ x }} is not null and {{ y }} is not null
) as fe_demeaned
{%- endmacro %}
