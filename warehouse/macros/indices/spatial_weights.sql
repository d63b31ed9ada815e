{#- Spatial weight helpers (paper 001 sec. 5.6).
    haversine_km: great-circle distance between two points in decimal degrees, earth radius
      6371.0088 km (IUGG mean radius): d = 2 R asin(sqrt(sin^2(dphi/2) + cos phi1 cos phi2 sin^2(dlambda/2))).
    row_standardise: w_ij = raw_ij / sum_j raw_ij over `partition_by` (matrix and row i), with the
      diagonal forced to 0; a row whose raw weights sum to 0 (an island) gets zeros. -#}
{% macro haversine_km(lat1, lon1, lat2, lon2) -%}
    {{ return(adapter.dispatch('haversine_km', 'agglo')(lat1, lon1, lat2, lon2)) }}
{%- endmacro %}

{% macro default__haversine_km(lat1, lon1, lat2, lon2) -%}
    (2 * 6371.0088 * asin(sqrt(
        power(sin(radians(({{ lat2 }}) - ({{ lat1 }})) / 2), 2)
        + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }}))
          * power(sin(radians(({{ lon2 }}) - ({{ lon1 }})) / 2), 2))))
{%- endmacro %}

{% macro row_standardise(raw, i, j, partition_by) -%}
    {{ return(adapter.dispatch('row_standardise', 'agglo')(raw, i, j, partition_by)) }}
{%- endmacro %}

{% macro default__row_standardise(raw, i, j, partition_by) -%}
    case when {{ i }} = {{ j }} then cast(0 as double)
         else coalesce(cast({{ raw }} as double)
                       / nullif(sum(case when {{ i }} <> {{ j }} then {{ raw }} end)
                                over ({{ agglo_partition(partition_by) }}), 0), 0) end
{%- endmacro %}
