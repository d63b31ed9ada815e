{#- `relation_column_names(relation)`: a query with one row per column of `relation` (column
    `column_name`), for tests that check a table's columns against a seed.
    - DuckDB: its `information_schema.columns`.
    - Spark: has no `information_schema` (before Unity Catalog), so the column names are read from
      the catalog when the test is compiled (adapter.get_columns_in_relation, i.e. `describe`) and
      written out as literals.
-#}

{% macro relation_column_names(relation) -%}
    {{ return(adapter.dispatch('relation_column_names', 'agglo')(relation)) }}
{%- endmacro %}

{% macro default__relation_column_names(relation) -%}
    select column_name
    from information_schema.columns
    where table_name = '{{ relation.identifier }}'
      and table_schema = '{{ relation.schema }}'
{%- endmacro %}

{% macro spark__relation_column_names(relation) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(col.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if names -%}
        {%- for name in names %}
    select {{ sql_text_literal(name) }} as column_name{% if not loop.last %} union all{% endif %}
        {%- endfor -%}
    {%- else %}
    select cast(null as string) as column_name where 1 = 0
    {%- endif -%}
{%- endmacro %}
