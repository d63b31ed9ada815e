{#- Seeds on Spark: dbt-spark 1.11's `spark__load_csv_rows` passes every value through Python `%`
    formatting wrapped in quotes, so an empty cell becomes the text 'None' and a value with an
    apostrophe breaks the statement. This override (the root project's `spark__` macro wins the
    dispatch) writes each value as an escaped text literal cast to the column type, and an empty
    cell as null, which is what dbt-duckdb loads. -#}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- if value is none -%}cast(null as {{ types[loop.index0] }})
                    {%- else -%}cast({{ sql_text_literal(value) }} as {{ types[loop.index0] }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
