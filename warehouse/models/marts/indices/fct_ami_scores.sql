{#- Grain: province x year. Entropy-weight composite scores of paper 001 on a 0-100 scale:
    ami = 100 * sum over the 21 indicators of overall weight * normalised value; amt, amm, amw, gam,
    ame = the same over one dimension with within-dimension weights. A score is null when one of its
    indicators is missing for the province-year. -#}
with

normalised as (

    select * from {{ ref('int_ami_indicators_normalised') }}

),

weights as (

    select * from {{ ref('fct_ami_weights') }}

),

indicator_counts as (

    select
        weight_year,
        count(*) as n_overall,
        sum(case when dimension = 'amt' then 1 else 0 end) as n_amt,
        sum(case when dimension = 'amm' then 1 else 0 end) as n_amm,
        sum(case when dimension = 'amw' then 1 else 0 end) as n_amw,
        sum(case when dimension = 'gam' then 1 else 0 end) as n_gam,
        sum(case when dimension = 'ame' then 1 else 0 end) as n_ame
    from weights
    group by weight_year

),

weighted as (

    select
        normalised.province_code,
        normalised.year,
        normalised.weight_year,
        normalised.dimension,
        normalised.normalised_value,
        weights.overall_weight,
        weights.within_dimension_weight
    from normalised
    inner join weights
        on weights.indicator_code = normalised.indicator_code
        and weights.weight_year is not distinct from normalised.weight_year

),

scores as (

    select
        weighted.province_code,
        weighted.year,
        count(*) as n_indicators,
        {{ entropy_score('weighted.overall_weight', 'weighted.normalised_value', 'max(indicator_counts.n_overall)') }} as ami
        {%- for dim in ['amt', 'amm', 'amw', 'gam', 'ame'] %},
        {{ entropy_score('weighted.within_dimension_weight',
                         "case when weighted.dimension = '" ~ dim ~ "' then weighted.normalised_value end",
                         'max(indicator_counts.n_' ~ dim ~ ')') }} as {{ dim }}
        {%- endfor %}
    from weighted
    inner join indicator_counts
        on indicator_counts.weight_year is not distinct from weighted.weight_year
    group by weighted.province_code, weighted.year

),

final as (

    select
        -- ids
        province_code,
        year,
        -- numerics
        n_indicators,
        ami,
        amt,
        amm,
        amw,
        gam,
        ame
    from scores

)

select * from final
