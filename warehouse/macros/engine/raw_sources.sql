{#- How the raw CSVs of var('raw_dir') become the source `raw` on each engine (documented in
    _engine__macros.yml and docs/spark.md).

    - DuckDB: nothing to do. The source's `external_location` meta (a dbt-duckdb feature) makes
      `source('raw', name)` read `read_csv('<raw_dir>/<name>.csv', header, comment '#', all_varchar)`.
    - Spark: `external_location` does not exist, so an on-run-start hook registers one unmanaged
      table per raw file in the database `<target schema>_raw`, over the CSV file itself
      (`using csv`, header names as column names, every column text since no schema is inferred),
      and the source's schema points there. Dropping such a table removes the catalog entry only,
      never the CSV. The optional `firms` file is registered only when var('has_firms') is true.
-#}

{% macro raw_source_schema() -%}
    {{ return(adapter.dispatch('raw_source_schema', 'agglo')()) }}
{%- endmacro %}

{% macro default__raw_source_schema() -%}
    {{ return('raw') }}
{%- endmacro %}

{% macro spark__raw_source_schema() -%}
    {{ return(target.schema ~ '_raw') }}
{%- endmacro %}


{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'agglo')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    {#- DuckDB: the sources read the files through `external_location`; no statement to run. -#}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set schema = raw_source_schema() -%}
        {%- set raw_dir = var('raw_dir') | string -%}
        {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
            {%- if node.name != 'firms' or var('has_firms', false) -%}
                {%- set path = raw_dir.rstrip('/') ~ '/' ~ node.name ~ '.csv' -%}
                {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ node.name) -%}
                {%- do run_query(
                    'create table ' ~ schema ~ '.' ~ node.name ~ ' using csv options ('
                    ~ 'path ' ~ sql_text_literal(path) ~ ", header 'true', inferSchema 'false', comment '#', "
                    ~ "quote '\"', escape '\"', encoding 'UTF-8', mode 'PERMISSIVE')"
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
