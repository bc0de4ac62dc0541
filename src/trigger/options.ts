export interface NormaliseOptions {
  /** Index CloudTrail Insights files (`CloudTrail-Insight/`) too; off by default like the trail setting. */
  includeInsights?: boolean;
}
