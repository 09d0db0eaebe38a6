// Native API schemas of the registry (signatures, model cards, approvals).
export {};
