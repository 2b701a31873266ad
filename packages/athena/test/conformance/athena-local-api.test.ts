import { runConformance } from '../../../../test/conformance/runner.ts'
import { athenaFixture } from './fixture.ts'

runConformance(athenaFixture, 'athena-local api')
