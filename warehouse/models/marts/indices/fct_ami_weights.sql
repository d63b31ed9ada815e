{#- Grain: weight_year x indicator (weight_year null = pooled). Entropy weights of paper 001 table 2:
    overall weight over all 21 indicators and within-dimension weight. -#}
with

normalised as (

    select * from {{ ref('int_ami_indicators_normalised') }}

),

catalog as (

    select * from {{ ref('indicator_catalog') }}
    where level = 'province'

),

weights as (

    {{ entropy_weights('normalised', 'indicator_code', 'dimension', 'normalised_value', ['weight_year']) }}

),

final as (

    select
        -- ids
        weights.weight_year,
        weights.indicator_code,
        catalog.name_en as indicator_name_en,
        catalog.name_zh as indicator_name_zh,
        weights.dimension,
        catalog.direction,
        catalog.transform,
        -- numerics
        weights.n_obs,
        weights.entropy,
        weights.divergence,
        weights.overall_weight,
        weights.within_dimension_weight
    from weights
    inner join catalog
        on catalog.indicator_code = weights.indicator_code

)

select * from final
