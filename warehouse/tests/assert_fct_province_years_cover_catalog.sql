-- Every province indicator of indicator_catalog is a column of fct_province_years (add the column to
-- warehouse/models/marts/_marts__models.yml with config: {meta: {indicator: true}} when adding a row).
with

catalog as (

    select indicator_code from {{ ref('indicator_catalog') }} where level = 'province'

),

mart_columns as (

    {{ relation_column_names(ref('fct_province_years')) }}

)

select catalog.indicator_code as missing_column
from catalog
left join mart_columns
    on mart_columns.column_name = catalog.indicator_code
where mart_columns.column_name is null
