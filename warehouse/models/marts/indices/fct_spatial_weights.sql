{#- Grain: matrix x level x i x j (every ordered pair, diagonal included with w = 0). Row-standardised
    spatial weight matrices for provinces and for counties (paper 001 sec. 5.6); a county matrix
    spans the counties of one province (unit_group of int_spatial_units_located: pairs only within
    a province, the mean GDP of the economic-geographic matrix over that province's counties):
      inverse_distance:    raw_ij = 1 / d_ij, d = great-circle distance (haversine, 6371.0088 km);
      economic:            raw_ij = 1 / |mean pcGDP_i - mean pcGDP_j|;
      economic_geographic: raw_ij = (1 / d_ij) * (mean GDP_j / mean over units of mean GDP),
                           i.e. W_geo x diag(Ybar_j / Ybar);
    w_ij = raw_ij / sum_j raw_ij, w_ii = 0. A pair at distance 0, or with equal mean per-capita GDP,
    gets raw weight 0. The economic matrices cover the units that have the GDP data. -#}
with

units as (

    select * from {{ ref('int_spatial_units_located') }}

),

level_means as (

    select level, unit_group, avg(mean_gdp) as mean_gdp_all
    from units
    where mean_gdp is not null
    group by level, unit_group

),

pairs as (

    select
        unit_i.level,
        unit_i.unit_code as i,
        unit_j.unit_code as j,
        {{ haversine_km('unit_i.lat', 'unit_i.lon', 'unit_j.lat', 'unit_j.lon') }} as distance_km,
        abs(unit_i.mean_gdp_per_capita - unit_j.mean_gdp_per_capita) as gdp_per_capita_gap,
        unit_j.mean_gdp / nullif(level_means.mean_gdp_all, 0) as relative_gdp_j
    from units as unit_i
    inner join units as unit_j
        on unit_i.level = unit_j.level
        and unit_i.unit_group = unit_j.unit_group
    left join level_means
        on level_means.level = unit_j.level
        and level_means.unit_group = unit_j.unit_group

),

raw_weights as (

    select
        'inverse_distance' as matrix_name, level, i, j,
        case when i <> j then coalesce(1.0 / nullif(distance_km, 0), 0) end as raw_w
    from pairs

    union all

    select
        'economic' as matrix_name, level, i, j,
        case when i <> j then coalesce(1.0 / nullif(gdp_per_capita_gap, 0), 0) end as raw_w
    from pairs
    where gdp_per_capita_gap is not null

    union all

    select
        'economic_geographic' as matrix_name, level, i, j,
        case when i <> j then coalesce(1.0 / nullif(distance_km, 0), 0) * relative_gdp_j end as raw_w
    from pairs
    where relative_gdp_j is not null
        and i in (select unit_code from units where mean_gdp is not null)

),

final as (

    select
        -- ids
        matrix_name,
        level,
        i,
        j,
        -- numerics
        {{ row_standardise('raw_w', 'i', 'j', ['matrix_name', 'level', 'i']) }} as w
    from raw_weights

)

select * from final
