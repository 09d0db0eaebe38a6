// Native API schemas of datasets (versions, schema, profile, datasheet).
export {};
