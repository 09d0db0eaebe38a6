import type { PipelineDefinition, StepDefinition } from './pipeline.model.js';
import { validatePipeline } from './pipeline.validation.js';

/** A typed builder producing the same model as JSON: `pipeline('train').step('prep', {...}).step('fit', {..., dependsOn: ['prep']}).build()`. */
export class PipelineBuilder {
  private readonly steps: StepDefinition[] = [];
  constructor(
    private readonly name: string,
    private readonly description?: string,
  ) {}

  step(name: string, spec: Omit<StepDefinition, 'name'>): this {
    this.steps.push({ name, ...spec });
    return this;
  }

  /** The definition, validated (throws INVALID_INPUT as the server would). */
  build(): PipelineDefinition {
    return validatePipeline({ name: this.name, ...(this.description !== undefined ? { description: this.description } : {}), steps: this.steps });
  }
}

export const pipeline = (name: string, description?: string): PipelineBuilder => new PipelineBuilder(name, description);
