using FluentMigrator.Runner.VersionTableInfo;

namespace TauTauRun.Web.Data;

/// <summary>FluentMigrator's bookkeeping table, named in snake_case like every other table.</summary>
internal sealed class VersionTable : IVersionTableMetaData
{
    public const string Name = "version_info";

    public bool OwnsSchema => false;
    public string SchemaName => "public";
    public string TableName => Name;
    public string ColumnName => "version";
    public string UniqueIndexName => "version_info_version_key";
    public string AppliedOnColumnName => "applied_on";
    public string DescriptionColumnName => "description";
    public bool CreateWithPrimaryKey => false;
}
